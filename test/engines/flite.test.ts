import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { EngineFailure, NEUTRAL_PROSODY, type Engine, type EngineChunk } from '../../src/engines/engine.js';
import { createFliteEngine, FLITE_SAMPLE_RATE } from '../../src/engines/flite/engine.js';
import {
  MAX_TOKEN_LENGTH,
  MAX_UTTERANCE_LENGTH,
  spokenText,
  TokenLocator,
  UnspeakableText,
  utterances,
} from '../../src/engines/flite/text.js';
import { FLITE_VOICES, fliteVoice } from '../../src/engines/flite/voices.js';
import { medianF0, render, rms, type Rendered } from './measure.js';

const RATE = FLITE_SAMPLE_RATE;
const SLT = fliteVoice('slt')!.spec;
const SENTENCE = 'Hello, how can I help you today?';
/** Each CMU voice's IPA, as the engine maps flite's phones: anything else would be an unmapped phone. */
const IPA_PHONEME = /^ˈ?[ɑæʌɔaʊəɚɪbdðɾɛlmnɝeɪfɡhɨijʒkŋoɹpsʃtθuvwz\u0329\u0303]+$/u;

let engine: Engine;
before(async () => {
  engine = createFliteEngine({ workers: 2 });
  await engine.ready();
});
after(() => engine.close());

const spans = (text: string, out: Rendered): string[] =>
  out.words.map((word) => text.slice(word.textStart, word.textStart + word.textLength));

function assertTimingsInOrder(out: Rendered): void {
  for (let index = 1; index < out.words.length; index++) {
    assert.ok(out.words[index]!.sample > out.words[index - 1]!.sample, `word ${index} starts after word ${index - 1}`);
  }
  for (let index = 1; index < out.phonemes.length; index++) {
    assert.ok(out.phonemes[index]!.sample >= out.phonemes[index - 1]!.sample, `phoneme ${index} in order`);
  }
  for (const event of [...out.words, ...out.phonemes]) {
    assert.ok(event.sample >= 0 && event.sample < out.samples.length, `event at ${event.sample} of ${out.samples.length}`);
  }
}

describe('flite engine audio', () => {
  test('declares its capabilities', () => {
    const caps = engine.capabilities;
    assert.equal(caps.name, 'flite');
    assert.equal(caps.sampleRate, RATE);
    assert.ok(caps.languages.includes('en-us'));
    assert.equal(caps.phonemeInput, false);
    assert.deepEqual(caps.timestamps, { words: true, phonemes: true });
  });

  for (const voice of FLITE_VOICES) {
    test(`${voice.id} speaks a sentence: plausible duration, loud enough, streamed, timed`, async () => {
      assert.equal(voice.sampleRate, RATE);
      const out = await render(engine, voice.spec, SENTENCE);
      const seconds = out.samples.length / RATE;
      assert.ok(seconds > 1.2 && seconds < 4, `duration ${seconds} s`);
      assert.ok(rms(out.samples) > 500, `rms ${rms(out.samples)}`);
      // 100 ms buffers: a two-second sentence comes in many chunks, not one.
      assert.ok(out.chunks >= seconds * 5, `${out.chunks} chunks for ${seconds} s`);
      assert.deepEqual(spans(SENTENCE, out), ['Hello', 'how', 'can', 'I', 'help', 'you', 'today']);
      assertTimingsInOrder(out);
      for (const phoneme of out.phonemes) assert.ok(phoneme.ipa === '' || IPA_PHONEME.test(phoneme.ipa), phoneme.ipa);
    });
  }

  test('rate 2 halves the duration and rate 0.5 doubles it', async () => {
    const normal = (await render(engine, SLT, SENTENCE)).samples.length;
    const fast = (await render(engine, SLT, SENTENCE, { ...NEUTRAL_PROSODY, rate: 2 })).samples.length;
    const slow = (await render(engine, SLT, SENTENCE, { ...NEUTRAL_PROSODY, rate: 0.5 })).samples.length;
    assert.ok(fast / normal > 0.4 && fast / normal < 0.6, `fast ratio ${fast / normal}`);
    assert.ok(slow / normal > 1.7 && slow / normal < 2.3, `slow ratio ${slow / normal}`);
  });

  for (const id of ['slt', 'rms', 'awb', 'kal16']) {
    // Down by 3 only: kal16's diphone pitch marks do not go below about 72 Hz, 3 semitones under its own.
    test(`${id}: +6 semitones raise the median F0 by about 1.41×, -3 lower it by 1.19×, nothing leaks`, async () => {
      const spec = fliteVoice(id)!.spec;
      const own = medianF0((await render(engine, spec, SENTENCE)).samples, RATE);
      const up = medianF0((await render(engine, spec, SENTENCE, { ...NEUTRAL_PROSODY, pitchSemitones: 6 })).samples, RATE);
      const down = medianF0((await render(engine, spec, SENTENCE, { ...NEUTRAL_PROSODY, pitchSemitones: -3 })).samples, RATE);
      assert.ok(up / own > 1.25 && up / own < 1.6, `F0 ${own} → ${up} Hz`);
      assert.ok(own / down > 1.1 && own / down < 1.3, `F0 ${own} → ${down} Hz`);
      assert.equal(medianF0((await render(engine, spec, SENTENCE)).samples, RATE), own);
    });
  }

  test('volume 0.5 halves the RMS', async () => {
    const full = rms((await render(engine, SLT, SENTENCE)).samples);
    const half = rms((await render(engine, SLT, SENTENCE, { ...NEUTRAL_PROSODY, volume: 0.5 })).samples);
    assert.ok(Math.abs(half / full - 0.5) < 0.01, `ratio ${half / full}`);
  });

  test('the same input gives the same samples, on either worker and after other jobs', async () => {
    const first = await render(engine, fliteVoice('rms')!.spec, SENTENCE);
    await render(engine, fliteVoice('awb')!.spec, 'Something else in between.', { ...NEUTRAL_PROSODY, pitchSemitones: 3 });
    const again = await Promise.all([1, 2, 3].map(() => render(engine, fliteVoice('rms')!.spec, SENTENCE)));
    for (const out of again) assert.deepEqual(out.samples, first.samples);
  });
});

describe('flite engine text and events', () => {
  test('word events name the written words, punctuation, typography and numbers included', async () => {
    const text = '“Well,” she said — it’s 5 o’clock. The café opens at 9; don’t be late!';
    const out = await render(engine, SLT, text);
    assert.deepEqual(spans(text, out), ['Well', 'she', 'said', 'it’s', '5', 'o’clock', 'The', 'café', 'opens', 'at', '9', 'don’t', 'be', 'late']);
    assertTimingsInOrder(out);
    // Three sentences, so pauses between them.
    assert.ok(out.phonemes.filter((phoneme) => phoneme.ipa === '').length >= 4);
  });

  test('word starts fall on the audio where a word begins (a pause ends before it)', async () => {
    const text = 'One. Two. Three.';
    const out = await render(engine, SLT, text);
    assert.equal(out.words.length, 3);
    const frame = Math.round(RATE * 0.02);
    for (const word of out.words.slice(1)) {
      const before = rms(out.samples.subarray(word.sample - 3 * frame, word.sample - frame));
      const afterStart = rms(out.samples.subarray(word.sample + frame, word.sample + 5 * frame));
      assert.ok(afterStart > 4 * before, `word at ${word.sample}: ${before} before, ${afterStart} after`);
    }
  });

  test('positions count UTF-16 units: an emoji is skipped, a surrogate pair before a word counts twice', async () => {
    const text = 'Hi 😀 there';
    const out = await render(engine, SLT, text);
    assert.deepEqual(spans(text, out), ['Hi', 'there']);
    assert.equal(out.words[1]!.textStart, 6);
  });

  test('letters of other scripts are refused with a clear engine error', async () => {
    await assert.rejects(render(engine, SLT, 'Hello Привет'), (error: unknown) => {
      assert.ok(error instanceof EngineFailure);
      assert.match(error.message, /English only.*"П" \(U\+041F\) at 6/);
      return true;
    });
    assert.throws(() => spokenText('東京'), UnspeakableText);
  });

  test('spoken text maps back to the segment text', () => {
    const spoken = spokenText('Ça… “ok”');
    assert.equal(spoken.text, 'Ca... "ok"');
    const locator = new TokenLocator(spoken);
    assert.deepEqual(locator.locate('Ca'), { start: 0, length: 2 });
    assert.deepEqual(locator.locate('ok'), { start: 5, length: 2 });
    assert.equal(locator.locate('missing'), undefined);
  });

  test('text is cut into sentences, and a run without full stops at a comma or space', () => {
    assert.deepEqual(utterances('One. Two?  "Three!" Four; five'), ['One. ', 'Two?  ', '"Three!" ', 'Four; ', 'five']);
    const run = Array.from({ length: 120 }, (_, index) => `word${index}${index % 7 === 6 ? ',' : ''}`).join(' ');
    const pieces = utterances(run);
    assert.equal(pieces.join(''), run);
    assert.ok(pieces.length > 3 && pieces.every((piece) => piece.length <= MAX_UTTERANCE_LENGTH));
    assert.ok(pieces.slice(0, -1).every((piece) => piece.endsWith(', ')), 'cut after a comma when there is one');
  });

  test('a long token is cut into pieces of MAX_TOKEN_LENGTH and spoken without hanging the worker', async () => {
    const token = 'abcdefghij'.repeat(500);
    assert.ok(spokenText(token).text.split(' ').every((piece) => piece.length <= MAX_TOKEN_LENGTH));
    // Uncut, flite spends about 20 s in this token before any audio: the pool's 10 s hang watchdog would fail it.
    const out = await render(engine, SLT, `Start ${token} end.`);
    assert.ok(out.samples.length > RATE, 'the pieces are spoken');
    const words = spans(`Start ${token} end.`, out);
    assert.equal(words[0], 'Start');
    assert.equal(words.at(-1), 'end');
  });
});

describe('flite engine cancellation', () => {
  test('aborting stops the worker within a chunk: the next job is not delayed by the rest', async () => {
    const single = createFliteEngine({ workers: 1 });
    try {
      await single.ready();
      const long = Array.from({ length: 30 }, (_, index) => `Sentence number ${index + 1} goes on for a while.`).join(' ');
      const time = async (work: () => Promise<unknown>): Promise<number> => {
        const start = performance.now();
        await work();
        return performance.now() - start;
      };
      const shortTimes: number[] = [];
      for (let run = 0; run < 3; run++) shortTimes.push(await time(() => render(single, SLT, SENTENCE)));
      const shortMedian = shortTimes.sort((a, b) => a - b)[1]!;
      const fullLong = await time(() => render(single, SLT, long));

      const controller = new AbortController();
      const received: EngineChunk[] = [];
      for await (const chunk of single.synthesize({ voice: SLT, text: long, prosody: NEUTRAL_PROSODY }, controller.signal)) {
        received.push(chunk);
        controller.abort();
      }
      assert.equal(received.length, 1, 'nothing arrives after the abort');
      const afterAbort = await time(() => render(single, SLT, SENTENCE));
      const bound = 3 * shortMedian + 20;
      assert.ok(bound < fullLong / 2, `the test can tell: bound ${bound} ms, whole text ${fullLong} ms`);
      assert.ok(afterAbort < bound, `next job took ${afterAbort} ms (bound ${bound} ms)`);
    } finally {
      await single.close();
    }
  });
});
