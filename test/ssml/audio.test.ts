/**
 * SSML measured on real audio: each plan runs through the synthesis pipeline and each built-in engine (its
 * default English voice), and the tests decode what a listener would notice (silence, duration, F0, loudness, phonemes).
 * Every rendering is also checked against the timestamp invariants of the wire contract.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engines/engine.js';
import { wireError } from '../support/wire-error.js';
import { registryOf } from '../../src/engines/registry.js';
import { createPipeline, type SynthesisPipeline } from '../../src/synthesis/pipeline.js';
import { planFromSsml } from '../../src/synthesis/ssml/index.js';
import { voiceForLanguage, type Voice } from '../../src/voices/catalogue.js';
import { ENGINES_UNDER_TEST, startEngineFor } from '../support/engines.js';
import { medianF0, rms } from '../engines/measure.js';
import { writtenOf } from './helpers.js';

interface Rendering {
  readonly samples: Int16Array;
  readonly seconds: number;
  readonly graph: string[];
  readonly graphTimes: [number, number][];
  readonly phonemes: string[];
}

let engine: Engine;
let pipeline: SynthesisPipeline;
let sampleRate: number;
let voice: Voice;

function assertTimes(times: readonly [number, number][], seconds: number, what: string): void {
  let previous = 0;
  for (const [start, end] of times) {
    assert.ok(start >= previous, `${what}: starts never decrease (${start} after ${previous})`);
    assert.ok(end >= start, `${what}: end ${end} >= start ${start}`);
    assert.ok(start >= 0 && end <= seconds + 1e-9, `${what}: [${start}, ${end}] within ${seconds} s of audio`);
    previous = start;
  }
}

/** Synthesizes `ssml` and checks the timestamp invariants on the result. */
async function render(ssml: string): Promise<Rendering> {
  const plan = planFromSsml(ssml);
  const parts: Int16Array[] = [];
  const graph: string[] = [];
  const graphTimes: [number, number][] = [];
  const phonemes: string[] = [];
  const phonTimes: [number, number][] = [];
  for await (const chunk of pipeline.run({ plan, voice, signal: new AbortController().signal })) {
    parts.push(chunk.samples);
    graph.push(...chunk.alignment.graph_chars);
    graphTimes.push(...chunk.alignment.graph_times);
    phonemes.push(...chunk.alignment.phon_chars);
    phonTimes.push(...chunk.alignment.phon_times);
  }
  const samples = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (samples.set(part, offset), offset + part.length), 0);
  const seconds = samples.length / sampleRate;
  assert.equal(graph.join(''), writtenOf(plan), 'joined graph_chars are the written text');
  assert.equal(graphTimes.length, graph.length);
  assert.equal(phonTimes.length, phonemes.length);
  assertTimes(graphTimes, seconds, 'graph_times');
  assertTimes(phonTimes, seconds, 'phon_times');
  return { samples, seconds, graph, graphTimes, phonemes };
}

/** Longest run of near-silent samples, in seconds. */
function longestSilence(samples: Int16Array): number {
  let longest = 0;
  let run = 0;
  for (const sample of samples) {
    run = Math.abs(sample) < 100 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest / sampleRate;
}

/** Seconds from the first to the last clearly audible sample. */
function soundingSeconds(samples: Int16Array): number {
  const audible = (sample: number) => Math.abs(sample) >= 500;
  const first = samples.findIndex(audible);
  let last = samples.length - 1;
  while (last > first && !audible(samples[last]!)) last -= 1;
  return first < 0 ? 0 : (last - first + 1) / sampleRate;
}

const SENTENCE = 'The quick brown fox jumps over the lazy dog';

/** A plan the engine cannot serve is refused before any audio is made, naming the engine. */
function assertRefused(ssml: string): void {
  assert.throws(() => pipeline.prepare(planFromSsml(ssml), voice), (thrown: unknown) => {
    const error = wireError(thrown);
    assert.equal(error.errorName, 'InvalidSSML');
    assert.equal(error.params['engine'], engine.capabilities.name);
    return true;
  });
}

for (const under of ENGINES_UNDER_TEST) describe(`SSML on real audio (${under.plugin.id})`, () => {
  before(async () => {
    voice = under.voice;
    engine = await startEngineFor(voice, 2);
    pipeline = createPipeline(registryOf([engine]), voiceForLanguage);
    sampleRate = engine.capabilities.sampleRate;
  });
  after(() => engine.close());
  it('<break time="700ms"/> adds 700 ± 15 ms of silence', async () => {
    const withBreak = await render('<speak>Hello there <break time="700ms"/> my friend</speak>');
    const without = await render('<speak>Hello there <break time="0ms"/> my friend</speak>');
    const addedSilence = longestSilence(withBreak.samples) - longestSilence(without.samples);
    assert.ok(Math.abs(addedSilence - 0.7) <= 0.015, `added silence ${addedSilence.toFixed(4)} s`);
    assert.ok(Math.abs(withBreak.seconds - without.seconds - 0.7) <= 0.015, `added duration ${(withBreak.seconds - without.seconds).toFixed(4)} s`);
  });

  it('<break strength="x-strong"/> is longer than strength="weak"', async () => {
    const strong = await render('<speak>Hello there <break strength="x-strong"/> my friend</speak>');
    const weak = await render('<speak>Hello there <break strength="weak"/> my friend</speak>');
    assert.ok(longestSilence(strong.samples) - longestSilence(weak.samples) > 0.9);
  });

  it('rate="50%" roughly doubles the duration of the same words', async () => {
    const slow = await render(`<speak><prosody rate="50%">${SENTENCE}</prosody></speak>`);
    const normal = await render(`<speak>${SENTENCE}</speak>`);
    const ratio = soundingSeconds(slow.samples) / soundingSeconds(normal.samples);
    assert.ok(ratio > 1.7 && ratio < 2.3, `duration ratio ${ratio.toFixed(2)}`);
  });

  it('pitch="+6st" raises the measured fundamental frequency', async () => {
    const high = await render(`<speak><prosody pitch="+6st">${SENTENCE}</prosody></speak>`);
    const normal = await render(`<speak>${SENTENCE}</speak>`);
    const ratio = medianF0(high.samples, sampleRate) / medianF0(normal.samples, sampleRate);
    assert.ok(ratio > 1.2 && ratio < 1.7, `F0 ratio ${ratio.toFixed(3)} (6 st = 1.414)`);
  });

  it('volume="x-soft" lowers RMS', async () => {
    const soft = await render(`<speak><prosody volume="x-soft">${SENTENCE}</prosody></speak>`);
    const normal = await render(`<speak>${SENTENCE}</speak>`);
    const ratio = rms(soft.samples) / rms(normal.samples);
    assert.ok(ratio < 0.4, `RMS ratio ${ratio.toFixed(3)} (x-soft = -12 dB = 0.25)`);
  });

  it('<emphasis level="strong"> is slower and louder than level="none"', async () => {
    const strong = await render('<speak><emphasis level="strong">absolutely wonderful</emphasis></speak>');
    const none = await render('<speak><emphasis level="none">absolutely wonderful</emphasis></speak>');
    assert.ok(soundingSeconds(strong.samples) > soundingSeconds(none.samples) * 1.1);
    assert.ok(rms(strong.samples) > rms(none.samples) * 1.2);
  });

  it('<speak prompt> styles are audible: whisper is quieter, slow is longer', async () => {
    const normal = await render(`<speak>${SENTENCE}</speak>`);
    const whisper = await render(`<speak prompt="whisper">${SENTENCE}</speak>`);
    const slow = await render(`<speak prompt="speak slowly">${SENTENCE}</speak>`);
    // 10 dB less gain (×0.32); espeak-ng's whispered voice (prompt-delivery.test.ts) is itself a little louder
    // than its voiced one (measured ×0.44 in all), so the bound is half the RMS.
    assert.ok(rms(whisper.samples) < rms(normal.samples) * 0.5, `RMS ratio ${(rms(whisper.samples) / rms(normal.samples)).toFixed(3)}`);
    assert.ok(soundingSeconds(slow.samples) > soundingSeconds(normal.samples) * 1.2);
  });

  it('say-as characters spells: each letter has its own span and is read by name', async () => {
    const spelled = await render('<speak><say-as interpret-as="characters">cat</say-as></speak>');
    const word = await render('<speak>cat</speak>');
    assert.deepEqual(spelled.graph, ['c', 'a', 't']);
    const starts = spelled.graphTimes.map(([start]) => start);
    assert.ok(starts[0]! < starts[1]! && starts[1]! < starts[2]!, `distinct spans ${JSON.stringify(spelled.graphTimes)}`);
    const phonemes = spelled.phonemes.map((p) => p.replace(/[ˈˌ]/g, '')).filter((p) => p !== '');
    assert.ok(phonemes.includes('s') && phonemes.includes('t') && phonemes.some((p) => p.startsWith('i')), `see, ay, tee: ${phonemes.join(' ')}`);
    if (engine.capabilities.name === 'espeak-ng') assert.deepEqual(phonemes, ['s', 'iː', 'eɪ', 't', 'iː'], 'see, ay, tee');
    assert.notDeepEqual(spelled.phonemes, word.phonemes);
  });

  it('say-as cardinal and date speak the words', async () => {
    const number = await render('<speak><say-as interpret-as="cardinal">42</say-as></speak>');
    assert.deepEqual(number.phonemes, (await render('<speak>forty-two</speak>')).phonemes);
    assert.equal(number.graph.join(''), '42');
    const date = await render('<speak><say-as interpret-as="date" format="mdy">7/4/1999</say-as></speak>');
    assert.deepEqual(date.phonemes, (await render('<speak>July fourth, nineteen ninety-nine</speak>')).phonemes);
  });

  it('<sub> speaks the alias under the written text', async () => {
    const sub = await render('<speak><sub alias="World Health Organization">WHO</sub></speak>');
    const alias = await render('<speak>World Health Organization</speak>');
    assert.equal(sub.graph.join(''), 'WHO');
    assert.deepEqual(sub.phonemes, alias.phonemes);
  });

  it('<lang> switches to a voice of that language (audible in the phonemes), or is refused by an engine without it', async () => {
    if (!engine.capabilities.languages.includes('de')) {
      assertRefused('<speak><lang xml:lang="de-DE">hallo</lang></speak>');
      return;
    }
    const german = await render('<speak><lang xml:lang="de-DE">hallo</lang></speak>');
    const english = await render('<speak>hallo</speak>');
    assert.ok(german.phonemes.includes('oː') && !german.phonemes.includes('oʊ'), german.phonemes.join(' '));
    assert.ok(english.phonemes.includes('oʊ'), english.phonemes.join(' '));
    const voice = await render('<speak><voice xml:lang="de">hallo</voice></speak>');
    assert.deepEqual(voice.phonemes, german.phonemes);
  });

  it('<phoneme> speaks the given IPA (visible in phon_chars), or is refused by an engine without phoneme input', async () => {
    if (!engine.capabilities.phonemeInput) {
      assertRefused('<speak><phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme></speak>');
      return;
    }
    const given = await render('<speak><phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme></speak>');
    const read = await render('<speak>tomato</speak>');
    assert.equal(given.graph.join(''), 'tomato');
    assert.ok(given.phonemes.includes('ˈɑː') && !given.phonemes.some((p) => p.includes('eɪ')), given.phonemes.join(' '));
    assert.ok(read.phonemes.some((p) => p.includes('eɪ')), read.phonemes.join(' '));
  });

  it('paragraphs are separated by a 0.25 s pause, sentences by none', async () => {
    const paragraphs = await render('<speak><p>Good morning.</p><p>Good night.</p></speak>');
    const sentences = await render('<speak><s>Good morning.</s><s>Good night.</s></speak>');
    const added = paragraphs.seconds - sentences.seconds;
    assert.ok(Math.abs(added - 0.25) <= 0.015, `paragraph pause ${added.toFixed(4)} s`);
  });

  it('a mixed document keeps every invariant', async () => {
    const mixed = await render(
      '<speak prompt="calm" xml:lang="en-US">\n  <p>Dear <sub alias="Doctor">Dr.</sub> Smith &amp; co,<mark name="m"/></p>\n'
      + '  <p>call <say-as interpret-as="telephone">555-0100</say-as> at <say-as interpret-as="time">9:30am</say-as>'
      + ' <break time="300ms"/><prosody rate="fast" pitch="-2st" volume="loud">thanks</prosody>.</p>\n</speak>',
    );
    assert.ok(mixed.seconds > 2);
  });
});
