import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EngineFailure, NEUTRAL_PROSODY, type Engine, type EngineChunk } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { FAULTS, FAULTY_WORKER } from './workers/faults.js';
import { voiceForLanguage } from '../../src/voices/catalogue.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { medianF0, render, rms } from './measure.js';

const RATE = 22050;
const VOICE = ESPEAK_VOICE.spec;
const SENTENCE = 'Hello, how can I help you today?';
const LONG_TEXT = Array.from({ length: 8 }, () => 'The quick brown fox jumps over the lazy dog.').join(' ');

let engine: Engine;
let firstJob: Promise<number> | undefined;

/** Wall time of a fresh one-worker engine's first job (a short sentence), measured once per run. */
function firstJobMs(): Promise<number> {
  firstJob ??= (async () => {
    const fresh = createEspeakEngine({ workers: 1 });
    try {
      await fresh.ready();
      const started = performance.now();
      await render(fresh, VOICE, 'Still here.');
      return performance.now() - started;
    } finally {
      await fresh.close();
    }
  })();
  return firstJob;
}

before(async () => {
  engine = createEspeakEngine({ workers: 2 });
  await engine.ready();
});
after(() => engine.close());

describe('espeak engine audio', () => {
  test('declares its capabilities', () => {
    const caps = engine.capabilities;
    assert.equal(caps.name, 'espeak-ng');
    assert.equal(caps.sampleRate, RATE);
    assert.ok(caps.languages.includes('en-us') && caps.languages.includes('fr'));
    assert.equal(caps.phonemeInput, true);
  });

  test('a sentence gives speech of plausible duration', async () => {
    const out = await render(engine, VOICE, SENTENCE);
    const seconds = out.samples.length / RATE;
    assert.ok(seconds > 1 && seconds < 4, `duration ${seconds}s`);
    assert.ok(rms(out.samples) > 500, `rms ${rms(out.samples)}`);
    assert.ok(out.chunks > 1, 'audio arrives in several chunks');
  });

  test('rate 0.5 makes the same words about twice as long', async () => {
    const normal = await render(engine, VOICE, SENTENCE);
    const slow = await render(engine, VOICE, SENTENCE, { ...NEUTRAL_PROSODY, rate: 0.5 });
    const ratio = slow.samples.length / normal.samples.length;
    assert.ok(ratio > 1.6 && ratio < 2.4, `ratio ${ratio}`);
  });

  test('+6 semitones raises F0, and the setting does not leak into the next job', async () => {
    const before = medianF0((await render(engine, VOICE, SENTENCE)).samples, RATE);
    const raised = medianF0((await render(engine, VOICE, SENTENCE, { ...NEUTRAL_PROSODY, pitchSemitones: 6 })).samples, RATE);
    const ratio = raised / before;
    assert.ok(ratio > 1.2 && ratio < 1.7, `F0 ${before} → ${raised} Hz`);
    const afterwards = await Promise.all([render(engine, VOICE, SENTENCE), render(engine, VOICE, SENTENCE)]);
    // A leaked setting would show as +41%; 3% allows for the variant's pitch jitter.
    for (const out of afterwards) assert.ok(Math.abs(medianF0(out.samples, RATE) / before - 1) < 0.03);
  });

  test('volume 0.25 scales RMS by 0.25', async () => {
    const full = rms((await render(engine, VOICE, SENTENCE)).samples);
    const quiet = rms((await render(engine, VOICE, SENTENCE, { ...NEUTRAL_PROSODY, volume: 0.25 })).samples);
    assert.ok(Math.abs(quiet / full - 0.25) < 0.01, `ratio ${quiet / full}`);
  });
});

describe('espeak engine events', () => {
  test('word events cover the text in order with UTF-16 offsets', async () => {
    const text = 'Héllo wörld';
    const out = await render(engine, VOICE, text);
    assert.deepEqual(
      out.words.map((word) => text.slice(word.textStart, word.textStart + word.textLength)),
      ['Héllo', 'wörld'],
    );
    assert.ok(out.words[1]!.sample > out.words[0]!.sample);
  });

  test('positions after an emoji count UTF-16 units, not code points', async () => {
    const text = 'Hi 😀 there';
    const out = await render(engine, VOICE, text);
    const spans = out.words.map((word) => text.slice(word.textStart, word.textStart + word.textLength));
    assert.ok(spans.includes('😀'), `spans ${JSON.stringify(spans)}`);
    assert.equal(spans.at(-1), 'there');
    for (const word of out.words) assert.ok(word.textStart + word.textLength <= text.length);
  });

  test('Japanese words stay inside the text and in order', async () => {
    const text = 'こんにちは、世界。';
    const out = await render(engine, voiceForLanguage('ja')!.spec, text);
    assert.ok(out.words.length > 0);
    let previous = -1;
    for (const word of out.words) {
      assert.ok(word.textStart >= previous && word.textStart + word.textLength <= text.length);
      previous = word.textStart;
    }
    assert.ok(out.phonemes.every((phoneme) => !/^\(.*\)$/.test(phoneme.ipa)), 'no language-switch markers');
  });

  test('phoneme events are IPA with stress marks, in time order', async () => {
    const out = await render(engine, VOICE, 'Hello');
    const spoken = out.phonemes.map((phoneme) => phoneme.ipa).filter((ipa) => ipa !== '');
    assert.deepEqual(spoken, ['h', 'ə', 'l', 'ˈoʊ']);
    const samples = out.phonemes.map((phoneme) => phoneme.sample);
    assert.deepEqual(samples, [...samples].sort((a, b) => a - b));
  });

  test('IPA input speaks the given phonemes and maps words to the written text', async () => {
    // Written form deliberately differs from the phonemes: only the IPA may decide what is spoken.
    const text = 'plz come back';
    const out = await render(engine, VOICE, text, NEUTRAL_PROSODY, 'ˈpliːz ˈkʌm ˈbæk');
    const spoken = out.phonemes.map((phoneme) => phoneme.ipa).filter((ipa) => ipa !== '');
    assert.deepEqual(spoken, ['p', 'l', 'ˈiː', 'z', 'k', 'ˈʌ', 'm', 'b', 'ˈæ', 'k']);
    assert.deepEqual(
      out.words.map((word) => text.slice(word.textStart, word.textStart + word.textLength)),
      ['plz', 'come', 'back'],
    );
  });
});

describe('espeak engine control', () => {
  test('abort stops the chunks and frees the worker', async () => {
    const solo = createEspeakEngine({ workers: 1 });
    try {
      await solo.ready();
      const controller = new AbortController();
      let afterAbort = 0;
      let received = 0;
      for await (const chunk of solo.synthesize({ voice: VOICE, text: LONG_TEXT, prosody: NEUTRAL_PROSODY }, controller.signal)) {
        assert.ok(chunk.samples.length > 0);
        if (controller.signal.aborted) afterAbort += 1;
        received += 1;
        if (received === 2) controller.abort();
      }
      assert.equal(afterAbort, 0);
      assert.equal(received, 2);
      const next = await render(solo, VOICE, 'Next please.');
      assert.ok(rms(next.samples) > 500);
    } finally {
      await solo.close();
    }
  });

  test('an aborted signal before the start yields nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const chunks: EngineChunk[] = [];
    for await (const chunk of engine.synthesize({ voice: VOICE, text: SENTENCE, prosody: NEUTRAL_PROSODY }, controller.signal)) {
      chunks.push(chunk);
    }
    assert.equal(chunks.length, 0);
  });

  test('an unknown espeak voice fails the job with EngineFailure', async () => {
    await assert.rejects(render(engine, { ...VOICE, id: 'no-such-voice' }, 'Hello'), EngineFailure);
  });

  for (const fault of ['crash', 'hang', 'trap'] as const) {
    test(`a worker ${fault} fails only that job; the worker is replaced, queued and later jobs succeed`, async () => {
      // The healthy jobs must never look hung, also on a replacement worker that has not run a job yet: the
      // timeout is well above what a fresh worker's first job takes here and now.
      const solo = createEspeakEngine({ workers: 1, hangTimeoutMs: Math.max(1500, 10 * (await firstJobMs())), workerEntry: FAULTY_WORKER });
      try {
        await solo.ready();
        const failing = render(solo, VOICE, FAULTS[fault]);
        const queued = render(solo, VOICE, 'Still here.');
        await assert.rejects(failing, EngineFailure);
        assert.ok(rms((await queued).samples) > 500);
        assert.ok(rms((await render(solo, VOICE, 'And again.')).samples) > 500);
      } finally {
        await solo.close();
      }
    });
  }
});
