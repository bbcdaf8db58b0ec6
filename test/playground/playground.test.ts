/**
 * The playground page in a real browser (Debian's chromium) against a real voxwire: a voice picked and a
 * sentence spoken, with the audio graph given exactly the samples the server sends for that request (counted
 * by the page, compared with the same request made by the Node client), every character lit, time to first
 * audio and real-time factor shown; the SSML example spoken; the WAV saved; the page used with the keyboard
 * alone at 360 px; with keys, a wrong key told in plain words. No console errors on the way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { VoxwireClient, type SpeakRequest } from '../../src/client/index.js';
import { DEFAULT_VOICE, listVoices } from '../../src/voices/catalogue.js';
import { decodeMp3 } from '../audio/mpeg.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';
import { rms, startTestServer } from '../conformance/server.js';
import { playgroundFixture, reportOf, type PageReport } from './browser.js';


const fixture = playgroundFixture();


/** Waits for the page's request to end (played to the end, or failed). */
async function settled(page: Page): Promise<PageReport> {
  await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { voxwirePlayground: PageReport }).voxwirePlayground.phase), undefined, { timeout: 60_000 });
  return reportOf(page);
}

/** Samples of the same request made by the Node client: what the page's audio graph must have been given. */
async function samplesOf(request: SpeakRequest): Promise<number> {
  const client = await VoxwireClient.connect({ url: fixture.server.url });
  try {
    let samples = 0;
    for await (const chunk of client.speak(request)) samples += chunk.samples().length;
    return samples;
  } finally {
    client.close();
  }
}

async function openPage(url: string): Promise<Page> {
  const page = await fixture.browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { voxwirePlayground?: PageReport }).voxwirePlayground?.phase !== 'loading');
  return page;
}

it('speaks a sentence: every sample reaches the audio graph, every character lights, the numbers show, the WAV saves', async () => {
  const page = await openPage(fixture.server.url);
  const text = 'The playground streams this sentence and lights each letter.';
  const voice = listVoices().find((candidate) => candidate.engine === 'flite' && candidate.language === 'en-US')!;
  assert.ok((await reportOf(page)).voices >= listVoices().length);
  await page.selectOption('#engine', 'flite');
  await page.selectOption('#language', 'en-US');
  const offered = await page.$$eval('#voice option', (options) => options.map((option) => (option as HTMLOptionElement).value));
  assert.deepEqual(
    offered,
    listVoices().filter((v) => v.engine === 'flite' && v.language === 'en-US').map((v) => v.uuid),
    'the filters leave the English US voices of flite',
  );
  await page.selectOption('#voice', voice.uuid);
  await page.fill('#text', text);
  await page.selectOption('#sample-rate', '22050');
  await page.selectOption('#precision', 'PCM_16');
  await fixture.browser.screenshot(page, '1-ready');
  await page.click('#speak');
  const report = await settled(page);
  assert.equal(report.error, '');
  assert.equal(report.sampleRate, 22050);
  const expected = await samplesOf({ voice_uuid: voice.uuid, data: text, sample_rate: 22050, precision: 'PCM_16' });
  assert.equal(report.scheduledSamples, expected, 'the audio graph was given every sample of the stream');
  assert.equal(report.playedSamples, expected, 'and played them to the end');
  assert.equal(report.spokenText, text);
  assert.equal(report.highlighted, text.length, 'the highlight reached the last character');
  assert.equal(await page.locator('#spoken span.spoken-char').count(), text.length);
  assert.match((await page.textContent('#ttfa')) ?? '', /^\d+ ms$/);
  assert.match((await page.textContent('#rtf')) ?? '', /^\d+\.\d{3}$/);
  assert.ok(report.firstAudioMs! > 0 && report.realTimeFactor! > 0);
  await fixture.browser.screenshot(page, '2-spoken');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const wav = parseWav(readFileSync((await download.path())!));
  assert.equal(wav.sampleRate, 22050);
  assert.equal(wav.dataSize, expected * 2, 'the saved file holds what played, with its real size');
  assert.ok(rms(wavSamples(wav)) > 0.02);
  await page.close();
});

it('the SSML example plays, lit by its written text', async () => {
  const page = await openPage(fixture.server.url);
  await page.selectOption('#voice', DEFAULT_VOICE.uuid);
  await page.click('button[data-example="pause"]');
  const ssml = await page.inputValue('#text');
  assert.match(ssml, /^<speak>.*<break/);
  await page.selectOption('#sample-rate', '16000');
  await page.click('#speak');
  const report = await settled(page);
  assert.equal(report.error, '');
  assert.equal(report.spokenText, ssml.replace(/<[^>]+>/g, ''));
  assert.equal(report.highlighted, report.characters);
  const expected = await samplesOf({ voice_uuid: DEFAULT_VOICE.uuid, data: ssml, sample_rate: 16000, precision: 'PCM_16' });
  assert.equal(report.scheduledSamples, expected);
  assert.ok(expected / 16000 > 1.3, 'the 800 ms pause is in the audio');
  await fixture.browser.screenshot(page, '3-ssml');
  await page.close();
});

it('MP3 plays as it streams and saves as an MP3 file', async () => {
  const page = await openPage(fixture.server.url);
  const text = 'This one travels as MP3.';
  await page.selectOption('#voice', DEFAULT_VOICE.uuid);
  await page.fill('#text', text);
  await page.selectOption('#format', 'mp3');
  await page.selectOption('#sample-rate', '22050');
  assert.ok(await page.isDisabled('#precision'), 'precision is for WAV only');
  await page.click('#speak');
  const report = await settled(page);
  assert.equal(report.error, '');
  assert.equal(report.highlighted, text.length);
  assert.ok(report.realTimeFactor! > 0, 'the played duration is known');
  assert.equal(await page.textContent('#save'), 'Save MP3');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  assert.equal(download.suggestedFilename(), 'voxwire.mp3');
  const mp3 = readFileSync((await download.path())!);
  const decoded = await decodeMp3(mp3);
  assert.equal(decoded.errors, 0);
  assert.ok(rms(decoded.samples) > 0.02 && decoded.samples.length / decoded.sampleRate > 1, 'the saved MP3 holds the speech');
  await page.close();
});

it('works with the keyboard alone at 360 px wide', async () => {
  const page = await openPage(fixture.server.url);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scrolling at 360 px');
  await page.focus('#text');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Keys only.');
  // Tab from the text reaches Speak through the examples and the settings, and Enter presses it.
  let reached = false;
  for (let i = 0; i < 12 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'speak');
  }
  assert.ok(reached, 'Tab reaches the Speak button');
  await page.keyboard.press('Enter');
  const report = await settled(page);
  assert.equal(report.error, '');
  assert.equal(report.spokenText, 'Keys only.');
  // The tabs move with the arrow keys.
  await page.focus('#tab-speak');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-design');
  assert.ok(await page.isVisible('#prompt'));
  await fixture.browser.screenshot(page, '4-keyboard-360px');
  await page.close();
});

it('with keys configured, a wrong key is shown as a clear error and the right one works', async () => {
  const keyed = await startTestServer({ apiKeys: ['playground-key'], workers: 1 });
  try {
    const page = await openPage(keyed.url);
    assert.match((await reportOf(page)).error, /refused the API key/);
    await page.fill('#api-key', 'not-the-key');
    const refused = page.waitForResponse((response) => response.url().includes('api_key=not-the-key'));
    await page.dispatchEvent('#api-key', 'change');
    assert.equal((await refused).status(), 401, 'the key is sent as ?api_key=');
    await page.waitForFunction(() => document.getElementById('error')?.textContent !== '' && (window as unknown as { voxwirePlayground: PageReport }).voxwirePlayground.voices === 0);
    assert.match(await page.textContent('#error') ?? '', /The server refused the API key\. Type the key you were given/);
    assert.ok(await page.isVisible('#error'));
    await fixture.browser.screenshot(page, '5-wrong-key');
    await page.fill('#api-key', 'playground-key');
    await page.dispatchEvent('#api-key', 'change');
    await page.waitForFunction(() => (window as unknown as { voxwirePlayground: PageReport }).voxwirePlayground.voices > 0);
    await page.fill('#text', 'The right key.');
    await page.click('#speak');
    const report = await settled(page);
    assert.equal(report.error, '');
    assert.equal(report.spokenText, 'The right key.');
    assert.ok(await page.isHidden('#error'));
    await page.close();
  } finally {
    await keyed.close();
  }
});

it('logged no console errors but the wrong key\'s refusals', () => {
  const unexpected = fixture.browser.consoleErrors.filter((line) => !/status of 401 .*\/api\/v2\/voices/.test(line));
  assert.deepEqual(unexpected, []);
});
