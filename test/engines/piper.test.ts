/**
 * The Piper engine in the real onnxruntime-node, on test models with Piper's exact signature whose audio
 * encodes what they were fed: length = Σ ceil(((id mod 5) + 1) × length_scale) × 256, frequency = 200 + 100 × sid,
 * amplitude = 0.75 × noise_scale. Expected ids are computed here from Piper's rules (engines.md), from the IPA
 * espeak-ng gives each clause.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NEUTRAL_PROSODY, type Engine, type EngineChunk, type EngineSegment } from '../../src/engines/engine.js';
import { EspeakPhonemizer } from '../../src/engines/espeak/phonemizer.js';
import { loadEspeak } from '../../src/engines/espeak/native.js';
import { discoverNeuralVoices, type Discovery } from '../../src/engines/onnx/discovery.js';
import { createPiperEngine, piperVoiceSpec } from '../../src/engines/piper/engine.js';
import { piperIds } from '../../src/engines/piper/ids.js';
import {
  piperIdMap,
  piperTestFrames,
  piperTestFrequency,
  piperTestModel,
  TEST_HOP_LENGTH,
  writePiperVoice,
} from '../support/onnx-models.js';
import { peak, toneFrequency } from '../support/tone.js';
import { renderSegment } from './measure.js';

const RATE = 22050;
const ID_MAP = piperIdMap();

/** Piper's id rules: ^ _ then each NFD code point of (clause IPA + terminator [+ space]) followed by _, then $. */
function expectedIds(clauses: readonly (readonly [ipa: string, terminator: string])[]): number[] {
  let phonemes = '';
  for (const [ipa, terminator] of clauses) {
    phonemes += ipa + terminator + ([',', ':', ';'].includes(terminator) ? ' ' : '');
  }
  const ids = [ID_MAP['^']![0]!, ID_MAP['_']![0]!];
  for (const symbol of phonemes.normalize('NFD')) {
    const id = ID_MAP[symbol];
    if (id === undefined) continue;
    ids.push(id[0]!, ID_MAP['_']![0]!);
  }
  ids.push(ID_MAP['$']![0]!);
  return ids;
}

const samplesFor = (ids: readonly number[], lengthScale = 1): number =>
  ids.reduce((sum, id) => sum + piperTestFrames(id, lengthScale) * TEST_HOP_LENGTH, 0);

/** espeak-ng's IPA for each clause of the sentences the tests speak. */
const SENTENCES = {
  hello: { text: 'Hello world.', clauses: [['həlˈoʊ wˈɜːld', '.']] },
  clauses: { text: 'Fine, thanks: yes; no!', clauses: [['fˈaɪn', ','], ['θˈæŋks', ':'], ['jˈɛs', ';'], ['nˈoʊ', '!']] },
  question: { text: 'How are you?', clauses: [['hˈaʊ ɑːɹ juː', '?']] },
  german: { text: 'Ich bin hier.', clauses: [['ɪç bɪn hˈiːɾ', '.']], voice: 'de' },
  unterminated: { text: 'Read the 2 books', clauses: [['ɹˈiːd ðə tˈuː bˈʊks', '']] },
} as const;

let dataDir: string;
let discovery: Discovery;
let engine: Engine;

/** A segment on the discovered voice `key` (of `found`), with the spec the catalogue gives it. */
function segment(key: string, text: string, prosody = NEUTRAL_PROSODY, found: Discovery = discovery): EngineSegment {
  const voice = found.voices.find((candidate) => candidate.key === key);
  return { voice: voice === undefined ? { id: key, model: join(dataDir, 'voices', 'piper', `${key}.onnx`), speaker: -1 } : piperVoiceSpec(voice), text, prosody };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'voxwire-piper-'));
  const piperDir = join(dataDir, 'voices', 'piper');
  writePiperVoice(piperDir, 'en_US-test-medium');
  writePiperVoice(piperDir, 'en_US-multi-medium', { multiSpeaker: true });
  writePiperVoice(piperDir, 'en_US-noceil-low', { withoutCeil: true }, { quality: 'low' });
  writePiperVoice(piperDir, 'de_DE-test-medium', {}, { espeakVoice: 'de', languageCode: 'de_DE' });
  // A truncated download and a model without its config: reported, skipped, and the scan goes on.
  writeFileSync(join(piperDir, 'en_US-broken-medium.onnx'), Buffer.from('not an onnx model at all'));
  writeFileSync(join(piperDir, 'en_US-broken-medium.onnx.json'), '{}');
  writePiperVoice(piperDir, 'en_US-orphan-medium');
  rmSync(join(piperDir, 'en_US-orphan-medium.onnx.json'));
  discovery = await discoverNeuralVoices(dataDir);
  engine = createPiperEngine({ workers: 1 });
  await engine.ready();
});

after(async () => {
  await engine?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Piper phoneme ids', () => {
  test('equal the ids Piper\'s rules give, sentence by sentence', async () => {
    const phonemizer = new EspeakPhonemizer(await loadEspeak());
    const idMap = new Map(Object.entries(ID_MAP));
    for (const sentence of Object.values(SENTENCES)) {
      const voice = 'voice' in sentence ? sentence.voice : 'en-us';
      const [only, ...rest] = phonemizer.phonemize(sentence.text, { voice, normalization: 'NFD' });
      assert.equal(rest.length, 0, `${sentence.text}: one sentence`);
      assert.deepEqual(piperIds(only!.phonemes, idMap).ids, expectedIds(sentence.clauses), sentence.text);
    }
  });

  test('NFD splits a precomposed symbol into its own ids (ç → c + combining cedilla)', () => {
    const ids = expectedIds(SENTENCES.german.clauses);
    assert.ok(ids.includes(ID_MAP['c']![0]!) && ids.includes(ID_MAP['\u0327']![0]!));
    assert.ok(!ids.includes(ID_MAP['ç']![0]!));
  });

  test('several sentences give one id sequence each', async () => {
    const phonemizer = new EspeakPhonemizer(await loadEspeak());
    const text = `${SENTENCES.hello.text} ${SENTENCES.question.text}`;
    const sentences = phonemizer.phonemize(text, { voice: 'en-us', normalization: 'NFD' });
    assert.equal(sentences.length, 2);
    const idMap = new Map(Object.entries(ID_MAP));
    assert.deepEqual(piperIds(sentences[1]!.phonemes, idMap).ids, expectedIds(SENTENCES.question.clauses));
  });
});

describe('Piper model discovery', () => {
  test('lists each model, and each speaker of a multi-speaker model, as a voice', () => {
    const keys = discovery.voices.map((voice) => voice.key).sort();
    assert.deepEqual(keys, [
      'de_DE-test-medium',
      'en_US-multi-medium:alpha',
      'en_US-multi-medium:beta',
      'en_US-multi-medium:gamma',
      'en_US-noceil-low',
      'en_US-test-medium',
    ]);
    const gamma = discovery.voices.find((voice) => voice.key === 'en_US-multi-medium:gamma')!;
    assert.deepEqual(
      { engine: gamma.engine, language: gamma.language, quality: gamma.quality, speaker: gamma.speaker, speakerId: gamma.speakerId, sampleRate: gamma.sampleRate },
      { engine: 'piper', language: 'en-us', quality: 'medium', speaker: 'gamma', speakerId: 2, sampleRate: RATE },
    );
    assert.equal(discovery.voices.find((voice) => voice.key === 'en_US-noceil-low')!.quality, 'low');
  });

  test('a corrupt model and a model without config are reported with path and reason, and skipped', () => {
    const byPath = new Map(discovery.errors.map((error) => [error.path, error.reason]));
    const broken = join(dataDir, 'voices', 'piper', 'en_US-broken-medium.onnx');
    const orphan = join(dataDir, 'voices', 'piper', 'en_US-orphan-medium.onnx');
    assert.deepEqual([...byPath.keys()].sort(), [broken, orphan].sort());
    assert.match(byPath.get(broken)!, /audio/u, 'the empty config is refused first');
    assert.match(byPath.get(orphan)!, /ENOENT/u);
  });

  test('a model that is not ONNX is refused by the decoder even with a valid config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voxwire-piper-bad-'));
    try {
      const piperDir = join(dir, 'voices', 'piper');
      writePiperVoice(piperDir, 'en_US-garbage-medium');
      writeFileSync(join(piperDir, 'en_US-garbage-medium.onnx'), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
      const result = await discoverNeuralVoices(dir);
      assert.equal(result.voices.length, 0);
      assert.equal(result.errors.length, 1);
      assert.equal(result.errors[0]!.path, join(piperDir, 'en_US-garbage-medium.onnx'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Piper engine audio', () => {
  test('declares rate and volume but no pitch; discovery gives each voice its model\'s rate and language', () => {
    const caps = engine.capabilities;
    assert.equal(caps.name, 'piper');
    assert.equal(caps.sampleRate, RATE);
    assert.deepEqual(caps.prosody, { rate: true, pitch: false, volume: true });
    assert.deepEqual([...new Set(discovery.voices.map((voice) => voice.language))].sort(), ['de-de', 'en-us']);
    assert.ok(discovery.voices.every((voice) => voice.sampleRate === RATE));
  });

  test('the ids, length_scale and noise_scale reach the model as Piper feeds them', async () => {
    const out = await renderSegment(engine, segment('en_US-test-medium', SENTENCES.hello.text));
    assert.equal(out.samples.length, samplesFor(expectedIds(SENTENCES.hello.clauses)));
    const frequency = toneFrequency(out.samples, RATE);
    assert.ok(Math.abs(frequency - piperTestFrequency(0)) < 1, `${frequency} Hz`);
    // 0.75 × the config's noise_scale 0.667.
    assert.ok(Math.abs(peak(out.samples) - 0.75 * 0.667) < 0.01, `peak ${peak(out.samples)}`);
    assert.ok(out.chunks >= Math.floor(out.samples.length / (RATE / 10)), `${out.chunks} chunks of at most 100 ms`);
  });

  test('rate divides length_scale; volume is a gain', async () => {
    const ids = expectedIds(SENTENCES.question.clauses);
    const fast = await renderSegment(engine, segment('en_US-test-medium', SENTENCES.question.text, { rate: 2, pitchSemitones: 0, volume: 0.5 }));
    assert.equal(fast.samples.length, samplesFor(ids, 0.5));
    assert.ok(Math.abs(peak(fast.samples) - 0.5 * 0.75 * 0.667) < 0.01, `peak ${peak(fast.samples)}`);
    const slow = await renderSegment(engine, segment('en_US-test-medium', SENTENCES.question.text, { rate: 0.8, pitchSemitones: 0, volume: 1 }));
    assert.equal(slow.samples.length, samplesFor(ids, 1.25));
  });

  test('each speaker of a multi-speaker model is fed as its sid', async () => {
    for (const [speaker, sid] of [['alpha', 0], ['beta', 1], ['gamma', 2]] as const) {
      const out = await renderSegment(engine, segment(`en_US-multi-medium:${speaker}`, SENTENCES.hello.text));
      const frequency = toneFrequency(out.samples, RATE);
      assert.ok(Math.abs(frequency - piperTestFrequency(sid)) < 1, `${speaker}: ${frequency} Hz`);
    }
  });

  test('the voice\'s espeak language phonemizes (German ids, through the audio length)', async () => {
    const out = await renderSegment(engine, segment('de_DE-test-medium', SENTENCES.german.text));
    assert.equal(out.samples.length, samplesFor(expectedIds(SENTENCES.german.clauses)));
  });

  test('one inference per sentence: the audio is the sentences\' audio back to back', async () => {
    const text = `${SENTENCES.hello.text} ${SENTENCES.clauses.text} ${SENTENCES.question.text}`;
    const out = await renderSegment(engine, segment('en_US-test-medium', text));
    const expected = [SENTENCES.hello, SENTENCES.clauses, SENTENCES.question].reduce(
      (sum, sentence) => sum + samplesFor(expectedIds(sentence.clauses)),
      0,
    );
    assert.equal(out.samples.length, expected);
  });

  test('an unknown voice fails the segment', async () => {
    await assert.rejects(renderSegment(engine, segment('en_US-nobody-medium', 'Hi.')), /en_US-nobody-medium\.onnx/u);
  });

  test('a model the runtime cannot load fails its segments with the reason; the worker serves the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voxwire-piper-unloadable-'));
    const piperDir = join(dir, 'voices', 'piper');
    const model = writePiperVoice(piperDir, 'en_US-unloadable-medium');
    // Valid ONNX with Piper's inputs (discovery accepts it) but an operator no runtime has.
    writeFileSync(model, Buffer.from(piperTestModel()).toString('latin1').replaceAll('Sin', 'Sxn'), 'latin1');
    const found = await discoverNeuralVoices(dir);
    assert.deepEqual(found.voices.map((voice) => voice.key), ['en_US-unloadable-medium']);
    const mixed = createPiperEngine({ workers: 1 });
    try {
      await mixed.ready();
      await assert.rejects(renderSegment(mixed, segment('en_US-unloadable-medium', 'Hi.', NEUTRAL_PROSODY, found)), (error: Error) => {
        assert.equal(error.name, 'EngineFailure');
        assert.match(error.message, /Sxn/u);
        return true;
      });
      const out = await renderSegment(mixed, segment('en_US-test-medium', SENTENCES.hello.text));
      assert.equal(out.samples.length, samplesFor(expectedIds(SENTENCES.hello.clauses)));
    } finally {
      await mixed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Piper timestamps', () => {
  test('come from the Ceil output: each phoneme starts where its first id does', async () => {
    const ids = expectedIds(SENTENCES.hello.clauses);
    const out = await renderSegment(engine, segment('en_US-test-medium', SENTENCES.hello.text));
    // Sample where each id starts, from the frames the model's Ceil gives it.
    const starts: number[] = [];
    let position = 0;
    for (const id of ids) {
      starts.push(position);
      position += piperTestFrames(id, 1) * TEST_HOP_LENGTH;
    }
    // Ids 2, 4, 6, …: the phonemes (after ^ _), each followed by its pad. Stress marks join the next phoneme.
    const phonemeString = 'həlˈoʊ wˈɜːld.';
    const expected: { ipa: string; sample: number }[] = [];
    let id = 2;
    for (let index = 0; index < phonemeString.length; index++) {
      const symbol = phonemeString[index]!;
      if (symbol === 'ˈ') {
        expected.push({ ipa: symbol + phonemeString[index + 1]!, sample: starts[id]! });
        index += 1;
        id += 4;
        continue;
      }
      if (symbol === 'ː') {
        expected[expected.length - 1] = { ipa: expected[expected.length - 1]!.ipa + symbol, sample: expected[expected.length - 1]!.sample };
      } else if (symbol !== ' ') {
        expected.push({ ipa: symbol === '.' ? '' : symbol, sample: starts[id]! });
      }
      id += 2;
    }
    assert.deepEqual(out.phonemes, expected);
    const text = SENTENCES.hello.text;
    assert.deepEqual(
      out.words.map((word) => [text.slice(word.textStart, word.textStart + word.textLength), word.sample]),
      [['Hello', starts[2]], ['world', starts[2 + 2 * 'həlˈoʊ '.length]]],
    );
  });

  test('sentence offsets add up: the second sentence\'s events follow the first sentence\'s audio', async () => {
    const first = samplesFor(expectedIds(SENTENCES.hello.clauses));
    const text = `${SENTENCES.hello.text} ${SENTENCES.question.text}`;
    const out = await renderSegment(engine, segment('en_US-test-medium', text));
    const how = out.words.find((word) => text.slice(word.textStart, word.textStart + word.textLength) === 'How')!;
    const secondIds = expectedIds(SENTENCES.question.clauses);
    assert.equal(how.sample, first + (piperTestFrames(secondIds[0]!, 1) + piperTestFrames(secondIds[1]!, 1)) * TEST_HOP_LENGTH);
  });

  test('a model the patch cannot apply to still speaks, with durations shared evenly by its ids', async () => {
    const ids = expectedIds(SENTENCES.hello.clauses);
    const out = await renderSegment(engine, segment('en_US-noceil-low', SENTENCES.hello.text));
    assert.equal(out.samples.length, samplesFor(ids));
    const share = out.samples.length / ids.length;
    assert.deepEqual(
      out.words.map((word) => word.sample),
      [Math.round(2 * share), Math.round((2 + 2 * 'həlˈoʊ '.length) * share)],
    );
  });
});

const workerIdle = async (): Promise<void> => {
  while (engine.stats!().busy > 0) await new Promise((resolve) => setTimeout(resolve, 1));
};

describe('Piper cancellation', () => {
  test('an abort stops the segment within one chunk and frees the worker', async () => {
    const long = segment('en_US-test-medium', Array.from({ length: 400 }, () => SENTENCES.clauses.text).join(' '));
    // What the worker takes for the whole long segment, on this machine now: the time it would stay busy after
    // an abort if it did not stop. (Read to the end: a worker runs only a few chunks ahead of its consumer.)
    const fullStart = performance.now();
    for await (const chunk of engine.synthesize(long, new AbortController().signal)) void chunk;
    await workerIdle();
    const fullTime = performance.now() - fullStart;

    const controller = new AbortController();
    const received: EngineChunk[] = [];
    for await (const chunk of engine.synthesize(long, controller.signal)) {
      received.push(chunk);
      if (received.length === 3) controller.abort();
    }
    const abortedAt = performance.now();
    assert.equal(received.length, 3, 'nothing arrives after the abort');
    await workerIdle();
    const stopping = performance.now() - abortedAt;
    assert.ok(stopping < fullTime / 4, `worker busy ${stopping} ms after the abort (whole segment ${fullTime} ms)`);
  });
});
