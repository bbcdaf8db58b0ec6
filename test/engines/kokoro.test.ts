/**
 * The Kokoro engine in the real onnxruntime-node, on test models with Kokoro's signature whose audio encodes
 * what they were fed: length = Σ ((id mod 3) + 1) / speed × 600 samples (pads included), frequency =
 * 100 + 1000 × style[0], where the test voice files' row r starts with 0.1 × (voice + 1) + r / 1000. Expected
 * ids are computed here from the vocabulary and espeak-ng's IPA; the style row from the token count.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NEUTRAL_PROSODY, type Engine, type EngineChunk, type EngineSegment } from '../../src/engines/engine.js';
import { createKokoroEngine } from '../../src/engines/kokoro/engine.js';
import { parseVoiceMix } from '../../src/engines/kokoro/mix.js';
import { discoverNeuralVoices, type Discovery } from '../../src/engines/onnx/discovery.js';
import {
  KOKORO_FRAME_SAMPLES,
  kokoroStyleValue,
  kokoroTestFrames,
  kokoroTestFrequency,
  kokoroVocab,
  writeKokoroVoice,
} from '../support/onnx-models.js';
import { toneFrequency } from '../support/tone.js';
import { renderSegment } from './measure.js';

const RATE = 24000;
const VOCAB = kokoroVocab();
const VOICES = ['af_bella', 'af_sky', 'bf_emma', 'ef_dora'];
/** Present in real kokoro-v1.0 folders; not phonemized by espeak-ng, so skipped (the folder's others serve). */
const UNSERVED = 'jf_alpha';

/** Kokoro's ids: pad 0, the vocabulary id of every symbol it has (others skipped), pad 0. */
function expectedIds(phonemes: string): number[] {
  const ids = [...phonemes].map((symbol) => VOCAB[symbol]).filter((id): id is number => id !== undefined);
  return [0, ...ids, 0];
}

const samplesFor = (ids: readonly number[], speed = 1): number =>
  ids.reduce((sum, id) => sum + kokoroTestFrames(id, speed) * KOKORO_FRAME_SAMPLES, 0);

/** Frequency the test model gives a style row mixed from voices (index in VOICES, normalized weight). */
function frequencyFor(parts: readonly (readonly [voice: number, weight: number])[], tokens: number): number {
  const row = Math.min(509, tokens);
  return kokoroTestFrequency(parts.reduce((sum, [voice, weight]) => sum + weight * kokoroStyleValue(voice, row), 0));
}

/** A segment on `voice` (a voice or mix of the folder `folder`), with the spec the catalogue gives such a voice. */
const segment = (voice: string, text: string, prosody = NEUTRAL_PROSODY, folder = 'kokoro-timestamped'): EngineSegment => ({
  voice: { id: voice, dir: join(dataDir, 'voices', 'kokoro', folder) },
  text,
  prosody,
});

const HELLO_US = 'həlˈoʊ wˈɜːld.';

let dataDir: string;
let discovery: Discovery;
let timestamped: Engine;
let plain: Engine;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'voxwire-kokoro-'));
  const kokoroDir = join(dataDir, 'voices', 'kokoro');
  writeKokoroVoice(join(kokoroDir, 'kokoro-timestamped'), [...VOICES, UNSERVED], { durations: true });
  // An export with `tokens`, an int32 speed and no durations output.
  writeKokoroVoice(join(kokoroDir, 'kokoro-plain'), ['af_bella'], { idsName: 'tokens', int32Speed: true });
  const broken = writeKokoroVoice(join(kokoroDir, 'kokoro-broken'), ['af_bella']);
  writeFileSync(join(broken, 'voices', 'af_bella.bin'), Buffer.alloc(1000));
  discovery = await discoverNeuralVoices(dataDir);
  timestamped = createKokoroEngine();
  plain = createKokoroEngine();
  await Promise.all([timestamped.ready(), plain.ready()]);
});

after(async () => {
  await Promise.all([timestamped?.close(), plain?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Kokoro discovery', () => {
  test('lists each voice file of each model folder; a bad voice file fails its folder with the reason', () => {
    assert.deepEqual(discovery.voices.map((voice) => voice.key).sort(), [
      'kokoro-plain:af_bella',
      'kokoro-timestamped:af_bella',
      'kokoro-timestamped:af_sky',
      'kokoro-timestamped:bf_emma',
      'kokoro-timestamped:ef_dora',
    ]);
    const emma = discovery.voices.find((voice) => voice.key === 'kokoro-timestamped:bf_emma')!;
    assert.deepEqual([emma.engine, emma.name, emma.language, emma.sampleRate], ['kokoro', 'Emma', 'en-gb', RATE]);
    const errors = new Map(discovery.errors.map((error) => [error.path, error.reason]));
    const kokoroDir = join(dataDir, 'voices', 'kokoro');
    assert.deepEqual([...errors.keys()].sort(), [
      join(kokoroDir, 'kokoro-broken'),
      join(kokoroDir, 'kokoro-timestamped', 'voices', `${UNSERVED}.bin`),
    ]);
    assert.match(errors.get(join(kokoroDir, 'kokoro-broken'))!, /1000 bytes/u);
    assert.match(errors.get(join(kokoroDir, 'kokoro-timestamped', 'voices', `${UNSERVED}.bin`))!, /espeak-ng/u);
  });
});

describe('Kokoro engine audio', () => {
  test('ids through the vocabulary, pads at both ends, the style row by token count', async () => {
    const ids = expectedIds(HELLO_US);
    const out = await renderSegment(timestamped, segment('af_bella', 'Hello world.'));
    assert.equal(out.samples.length, samplesFor(ids));
    const frequency = toneFrequency(out.samples, RATE);
    assert.ok(Math.abs(frequency - frequencyFor([[0, 1]], ids.length - 2)) < 0.5, `${frequency} Hz`);
  });

  test('British voices phonemize with espeak-ng "en"; rewrites apply (Spanish x → k, r → ɹ)', async () => {
    const british = await renderSegment(timestamped, segment('kokoro-timestamped:bf_emma', 'Hello world.'));
    const britishIds = expectedIds('həlˈəʊ wˈɜːld.');
    assert.equal(british.samples.length, samplesFor(britishIds));
    assert.ok(Math.abs(toneFrequency(british.samples, RATE) - frequencyFor([[2, 1]], britishIds.length - 2)) < 0.5);
    const spanish = await renderSegment(timestamped, segment('ef_dora', 'Jamón rico.'));
    assert.equal(spanish.samples.length, samplesFor(expectedIds('kamˈon ɹˈiko.')));
  });

  test('a voice mix is the weighted sum of the voices\' style rows', async () => {
    assert.deepEqual(parseVoiceMix('af_bella(2)+af_sky(1)'), [
      { voice: 'af_bella', weight: 2 / 3 },
      { voice: 'af_sky', weight: 1 / 3 },
    ]);
    const ids = expectedIds(HELLO_US);
    const out = await renderSegment(timestamped, segment('af_bella(2)+af_sky(1)', 'Hello world.'));
    const frequency = toneFrequency(out.samples, RATE);
    assert.ok(Math.abs(frequency - frequencyFor([[0, 2 / 3], [1, 1 / 3]], ids.length - 2)) < 0.5, `${frequency} Hz`);
  });

  test('rate is fed as speed, as the model declares it (float32 or int32); volume is a gain', async () => {
    const ids = expectedIds(HELLO_US);
    const fast = await renderSegment(timestamped, segment('af_bella', 'Hello world.', { rate: 2, pitchSemitones: 0, volume: 0.5 }));
    assert.equal(fast.samples.length, samplesFor(ids, 2));
    assert.ok(Math.max(...fast.samples) < 0.26 * 32767 && Math.max(...fast.samples) > 0.24 * 32767);
    const int32 = await renderSegment(plain, segment('af_bella', 'Hello world.', { rate: 2, pitchSemitones: 0, volume: 1 }, 'kokoro-plain'));
    assert.equal(int32.samples.length, samplesFor(ids, 2));
  });

  test('more than 510 ids are split at a space into several inferences', async () => {
    const text = `${Array.from({ length: 60 }, () => 'Hello world').join(' ')}.`;
    const out = await renderSegment(timestamped, segment('af_bella', text));
    const phonemes = `${Array.from({ length: 60 }, () => 'həlˈoʊ wˈɜːld').join(' ')}.`;
    const symbols = [...phonemes];
    // The first piece ends after the last space within 510 ids; each piece has its own two pads.
    const cut = symbols.lastIndexOf(' ', 509) + 1;
    const pieces = [symbols.slice(0, cut).join(''), symbols.slice(cut).join('')];
    assert.equal(out.samples.length, pieces.reduce((sum, piece) => sum + samplesFor(expectedIds(piece)), 0));
    // Every written word once, in order; the first word of the second piece starts right after the first piece.
    assert.equal(out.words.length, 120);
    assert.ok(out.words.every((word, index) => index === 0 || word.textStart > out.words[index - 1]!.textStart));
    const secondPieceWord = [...pieces[0]!].filter((symbol) => symbol === ' ').length;
    assert.equal(out.words[secondPieceWord]!.sample, samplesFor(expectedIds(pieces[0]!)) + samplesFor([0]));
  });

  test('an unknown voice fails the segment', async () => {
    await assert.rejects(renderSegment(timestamped, segment('af_nobody', 'Hi.')), /no Kokoro voice/u);
  });
});

describe('Kokoro timestamps', () => {
  test('from the durations output: each word starts at its first id (600 samples a frame)', async () => {
    const ids = expectedIds(HELLO_US);
    const out = await renderSegment(timestamped, segment('af_bella', 'Hello world.'));
    const worldAt = 1 + [...'həlˈoʊ '].length;
    const expectedWorld = samplesFor(ids.slice(0, worldAt));
    assert.deepEqual(
      out.words.map((word) => [word.textStart, word.textLength, word.sample]),
      [[0, 5, samplesFor(ids.slice(0, 1))], [6, 5, expectedWorld]],
    );
  });

  test('without a durations output, the ids share the audio evenly', async () => {
    const ids = expectedIds(HELLO_US);
    const out = await renderSegment(plain, segment('af_bella', 'Hello world.', NEUTRAL_PROSODY, 'kokoro-plain'));
    const share = out.samples.length / ids.length;
    assert.deepEqual(out.words.map((word) => word.sample), [Math.round(share), Math.round((1 + [...'həlˈoʊ '].length) * share)]);
  });

  test('an abort ends the iteration at once', async () => {
    const controller = new AbortController();
    const received: EngineChunk[] = [];
    const text = Array.from({ length: 50 }, () => 'Hello world.').join(' ');
    for await (const chunk of timestamped.synthesize(segment('af_bella', text), controller.signal)) {
      received.push(chunk);
      if (received.length === 2) controller.abort();
    }
    assert.equal(received.length, 2);
  });
});
