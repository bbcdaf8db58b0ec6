/**
 * The playground's Design tab in Debian's chromium against a real voxwire. A prompt gives
 * three candidates, each is heard (the page decodes its WAV), one is kept under a name, it appears in the voice
 * list and speaks; a prompt nothing of which is understood is shown in plain words. No console errors.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { playgroundFixture, reportOf, type PageReport } from './browser.js';


const fixture = playgroundFixture();

/**
 * Waits until `condition` holds in the page. A function, not a string: Playwright evaluates a string predicate
 * with eval, which the page's CSP forbids. The function runs in the page, so it reads the report itself and
 * gets what it compares with as `arg`.
 */
const until = (page: Page, condition: (arg: number) => boolean, arg = 0): Promise<unknown> => page.waitForFunction(condition, arg, { timeout: 60_000 });
/** The page's report, read inside the page (a condition cannot call test helpers). */
type Reporting = { voxwirePlayground: PageReport };


it('designs three candidates, plays each, keeps one under a name, and speaks with it', async () => {
  const page = await fixture.browser.newPage();
  await page.goto(fixture.server.url);
  await until(page, () => (window as unknown as Reporting).voxwirePlayground.phase !== 'loading');
  const voicesBefore = (await reportOf(page)).voices;
  await page.click('#tab-design');
  await page.fill('#prompt', 'An older man with a deep, slow and calm voice.');
  await page.click('#design');
  await until(page, () => (window as unknown as Reporting).voxwirePlayground.designCandidates === 3);
  assert.equal(await page.locator('#candidate-list li').count(), 3);
  await fixture.browser.screenshot(page, 'design-1-candidates');
  for (let i = 1; i <= 3; i += 1) {
    await page.click(`text=Listen to candidate ${i}`);
    await until(page, (played) => (window as unknown as Reporting).voxwirePlayground.candidatesPlayed === played, i);
  }
  assert.equal((await reportOf(page)).error, '');
  assert.ok(await page.isDisabled('#keep'), 'keeping needs a choice and a name');
  await page.check('input[name="candidate"][value="1"]');
  await page.fill('#voice-name', 'Playground design');
  await page.click('#keep');
  await until(page, () => (window as unknown as Reporting).voxwirePlayground.keptVoice !== '');
  const kept = (await reportOf(page)).keptVoice;
  assert.match((await page.textContent('#design-status')) ?? '', /Kept as "Playground design"/);
  await until(page, (count) => (window as unknown as Reporting).voxwirePlayground.voices === count, voicesBefore + 1);
  await fixture.browser.screenshot(page, 'design-2-kept');
  await page.click('#tab-speak');
  assert.equal(await page.inputValue('#voice'), kept, 'the kept voice is listed and chosen');
  await page.fill('#text', 'A designed voice speaks.');
  await page.click('#speak');
  await until(page, () => ['done', 'error'].includes((window as unknown as Reporting).voxwirePlayground.phase));
  const report = await reportOf(page);
  assert.equal(report.error, '');
  assert.equal(report.spokenText, 'A designed voice speaks.');
  assert.ok(report.scheduledSamples > 0);
  await page.close();
});

it('a prompt nothing of which is understood is explained in plain words', async () => {
  const page = await fixture.browser.newPage();
  await page.goto(fixture.server.url);
  await until(page, () => (window as unknown as Reporting).voxwirePlayground.phase !== 'loading');
  await page.click('#tab-design');
  await page.fill('#prompt', 'qwzx plorf');
  await page.click('#design');
  await page.waitForSelector('#design-error:not([hidden])');
  assert.match((await page.textContent('#design-error')) ?? '', /gender|age|accent|pitch/i);
  await fixture.browser.screenshot(page, 'design-3-not-understood');
  await page.close();
});

it('logged no console errors but the refused prompt', () => {
  assert.deepEqual(fixture.browser.consoleErrors.filter((line) => !/status of 422 .*\/api\/v2\/voice-design/.test(line)), []);
});
