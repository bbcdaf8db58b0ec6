/**
 * Intelligibility by a round trip through a speech recognizer: each English voice reads ten Harvard
 * sentences, Debian's pocketsphinx (`pocketsphinx_continuous` with the `pocketsphinx-en-us` model, which
 * .ci/run installs) transcribes them, and the word error rate is the word-level edit distance to the text.
 * The recognizer is biased against formant synthesis, so the figures compare engines; they are not a
 * listener's judgement. Each voice's sentences go into one 16 kHz WAV, a second of silence apart, so the
 * recognizer loads its model once per voice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createResampler } from '../../src/audio/resampler.js';
import { wavFile } from '../../src/audio/wav.js';
import { encodePcm } from '../../src/audio/pcm.js';
import type { Engine, EngineVoiceSpec } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { ESPEAK_SAMPLE_RATE } from '../../src/engines/espeak/native.js';
import { createFliteEngine, FLITE_SAMPLE_RATE } from '../../src/engines/flite/engine.js';
import { fliteVoice } from '../../src/engines/flite/voices.js';
import { findVoice, voiceForLanguage } from '../../src/voices/catalogue.js';
import { render } from './measure.js';
import { editDistance, recognize, words } from '../support/recognizer.js';

const RECOGNIZER_RATE = 16000;

/** Harvard sentences, list 1 (IEEE 1969). */
const SENTENCES = [
  'The birch canoe slid on the smooth planks.',
  'Glue the sheet to the dark blue background.',
  "It's easy to tell the depth of a well.",
  'These days a chicken leg is a rare dish.',
  'Rice is often served in round bowls.',
  'The juice of lemons makes fine punch.',
  'The box was thrown beside the parked truck.',
  'The hogs were fed chopped corn and garbage.',
  'Four hours of steady work faced us.',
  'A large size in stockings is hard to sell.',
];

interface Candidate {
  readonly label: string;
  readonly engine: () => Engine;
  readonly voice: EngineVoiceSpec;
  readonly sampleRate: number;
  readonly flite: boolean;
  readonly language: 'en-US' | 'en-GB';
  /** The catalogue voice this candidate is, when it is one (en-us+klatt is a setting, not a voice). */
  readonly catalogueKey?: string;
}

let espeak: Engine;
let flite: Engine;
let folder: string;

before(async () => {
  espeak = createEspeakEngine({ workers: 2 });
  flite = createFliteEngine({ workers: 2 });
  folder = await mkdtemp(join(tmpdir(), 'voxwire-intelligibility-'));
  await Promise.all([espeak.ready(), flite.ready()]);
});
after(async () => {
  await Promise.all([espeak.close(), flite.close()]);
  await rm(folder, { recursive: true, force: true });
});

const ESPEAK_SETTINGS = { basePitch: 50, baseRate: 175 };
const CANDIDATES: readonly Candidate[] = [
  ...['slt', 'rms', 'awb'].map((id) => ({
    label: `flite ${id}`,
    engine: () => flite,
    voice: fliteVoice(id)!.spec,
    sampleRate: FLITE_SAMPLE_RATE,
    flite: true,
    language: fliteVoice(id)!.language,
    catalogueKey: `flite/${id}`,
  })),
  // The catalogue's espeak-ng English voices, and en-us+klatt, espeak-ng's clearest setting for this
  // recognizer (../shared/docs/engines.md).
  ...([['en-us+f3', 'en-US'], ['en+m3', 'en-GB'], ['en-us+klatt', 'en-US']] as const).map(([id, language]) => ({
    label: `espeak-ng ${id}`,
    engine: () => espeak,
    voice: { id, ...ESPEAK_SETTINGS },
    sampleRate: ESPEAK_SAMPLE_RATE,
    flite: false,
    language,
    ...(id.endsWith('+klatt') ? {} : { catalogueKey: `espeak-ng/${id}` }),
  })),
];

/** Every sentence at 16 kHz, a second of silence before, between and after, as one WAV file. */
async function renderWav(candidate: Candidate): Promise<Buffer> {
  const silence = new Int16Array(RECOGNIZER_RATE);
  const parts: Int16Array[] = [silence];
  for (const sentence of SENTENCES) {
    const { samples } = await render(candidate.engine(), candidate.voice, sentence);
    const resampler = await createResampler(candidate.sampleRate, RECOGNIZER_RATE);
    parts.push(resampler.process(samples), resampler.flush(), silence);
  }
  const all = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return wavFile({ format: 'wav', sampleRate: RECOGNIZER_RATE, precision: 'PCM_16' }, encodePcm(all, 'PCM_16'));
}

test('flite voices are far more intelligible to pocketsphinx than espeak-ng, and each English default is the clearest', async () => {
  const reference = SENTENCES.flatMap(words);
  const wer = new Map<string, number>();
  // Two at a time: one recognizer per core.
  for (let index = 0; index < CANDIDATES.length; index += 2) {
    await Promise.all(
      CANDIDATES.slice(index, index + 2).map(async (candidate) => {
        const file = join(folder, `${candidate.label.replace(/\W+/g, '-')}.wav`);
        await writeFile(file, await renderWav(candidate));
        const hypothesis = words(await recognize(file));
        wer.set(candidate.label, editDistance(reference, hypothesis) / reference.length);
      }),
    );
  }
  console.log(`word error rate over ${reference.length} words (pocketsphinx en-us, 16 kHz):`);
  for (const candidate of CANDIDATES) console.log(`  ${candidate.label.padEnd(22)} ${wer.get(candidate.label)!.toFixed(3)}`);

  const fliteRates = CANDIDATES.filter((candidate) => candidate.flite).map((candidate) => wer.get(candidate.label)!);
  const espeakBest = Math.min(...CANDIDATES.filter((candidate) => !candidate.flite).map((candidate) => wer.get(candidate.label)!));
  // "Well below": every flite voice makes at most three quarters of espeak-ng's best error rate.
  for (const rate of fliteRates) assert.ok(rate < 0.75 * espeakBest, `flite ${rate} vs espeak-ng ${espeakBest}`);
  // The default voice of each English language (the first the catalogue lists, which LiveKit's default id
  // also resolves to for en-US) is the clearest of that language's voices measured here.
  for (const language of ['en-US', 'en-GB'] as const) {
    const defaultKey = voiceForLanguage(language)!.key;
    const rates = CANDIDATES.filter((candidate) => candidate.language === language).map((candidate) => [candidate, wer.get(candidate.label)!] as const);
    const measured = rates.find(([candidate]) => candidate.catalogueKey === defaultKey);
    assert.ok(measured, `the ${language} default ${defaultKey} was measured`);
    assert.equal(measured[1], Math.min(...rates.map(([, rate]) => rate)), `${language} default ${defaultKey} ${measured[1]} vs ${rates.map(([c, r]) => `${c.label} ${r}`).join(', ')}`);
  }
  assert.equal(findVoice('55592656')?.key, voiceForLanguage('en-US')!.key, "LiveKit's default voice id speaks with the en-US default");
});

test('edit distance counts substitutions, insertions and deletions', () => {
  assert.equal(editDistance(['a', 'b', 'c'], ['a', 'b', 'c']), 0);
  assert.equal(editDistance(['a', 'b', 'c'], ['a', 'x', 'c']), 1);
  assert.equal(editDistance(['a', 'b', 'c'], ['a', 'c']), 1);
  assert.equal(editDistance(['a', 'b'], ['a', 'b', 'c', 'd']), 2);
  assert.equal(editDistance([], ['a']), 1);
});
