/**
 * PENDING (enabled by the coordinator once voice design, protocol.md section 6, is merged; rename to
 * design.test.ts): the playground's Design tab in Debian's chromium against a real voxwire. A prompt gives
 * three candidates, each is heard (the page decodes its WAV), one is kept under a name, it appears in the voice
 * list and speaks; a prompt nothing of which is understood is shown in plain words. No console errors.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { playgroundFixture, reportOf } from './browser.js';


const fixture = playgroundFixture();

const until = (page: Page, condition: string): Promise<unknown> => page.waitForFunction(`(() => { const r = window.voxwirePlayground; return ${condition}; })()`, undefined, { timeout: 60_000 });

it('designs three candidates, plays each, keeps one under a name, and speaks with it', async () => {
  const page = await fixture.browser.newPage();
  await page.goto(fixture.server.url);
  await until(page, "r.phase !== 'loading'");
  const voicesBefore = (await reportOf(page)).voices;
  await page.click('#tab-design');
  await page.fill('#prompt', 'An older man with a deep, slow and calm voice.');
  await page.click('#design');
  await until(page, 'r.designCandidates === 3');
  assert.equal(await page.locator('#candidate-list li').count(), 3);
  await fixture.browser.screenshot(page, 'design-1-candidates');
  for (let i = 1; i <= 3; i += 1) {
    await page.click(`text=Listen to candidate ${i}`);
    await until(page, `r.candidatesPlayed === ${i}`);
  }
  assert.equal((await reportOf(page)).error, '');
  assert.ok(await page.isDisabled('#keep'), 'keeping needs a choice and a name');
  await page.check('input[name="candidate"][value="1"]');
  await page.fill('#voice-name', 'Playground design');
  await page.click('#keep');
  await until(page, "r.keptVoice !== ''");
  const kept = (await reportOf(page)).keptVoice;
  assert.match((await page.textContent('#design-status')) ?? '', /Kept as "Playground design"/);
  await until(page, `r.voices === ${voicesBefore + 1}`);
  await fixture.browser.screenshot(page, 'design-2-kept');
  await page.click('#tab-speak');
  assert.equal(await page.inputValue('#voice'), kept, 'the kept voice is listed and chosen');
  await page.fill('#text', 'A designed voice speaks.');
  await page.click('#speak');
  await until(page, "r.phase === 'done' || r.phase === 'error'");
  const report = await reportOf(page);
  assert.equal(report.error, '');
  assert.equal(report.spokenText, 'A designed voice speaks.');
  assert.ok(report.scheduledSamples > 0);
  await page.close();
});

it('a prompt nothing of which is understood is explained in plain words', async () => {
  const page = await fixture.browser.newPage();
  await page.goto(fixture.server.url);
  await until(page, "r.phase !== 'loading'");
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
