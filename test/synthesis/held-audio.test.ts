/**
 * Audio held back for timestamps is bounded (issue 11): a word that never ends within 2 s of audio, or a
 * segment whose written text has no word events (an IPA override), is closed off, and the timestamp rules of
 * protocol.md section 1 still hold. A scripted engine makes the words as long as the test needs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_PROSODY, type Engine, type EngineChunk, type EngineSegment, type PhonemeEvent, type WordEvent } from '../../src/engines/engine.js';
import { espeakCapabilities } from '../../src/engines/espeak/engine.js';
import { createPipeline, type PcmChunk } from '../../src/synthesis/pipeline.js';
import type { SynthesisPlan } from '../../src/synthesis/plan.js';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';

const RATE = espeakCapabilities().sampleRate;
/** The pipeline's bound (2 s) plus one frame (250 ms) plus one engine chunk. */
const HELD_BOUND = 2 * RATE + 0.25 * RATE + 1024;
const SAMPLES_PER_CHARACTER = 220; // 10 ms: a 400-character token lasts 4 s
const CHUNK = 1024;

/**
 * Speaks each character of a segment for 10 ms of a tone, with a word event at each token's start and one
 * phoneme event per token (so phonemes stay open as long as words do); with `ipa`, 10 ms per IPA character,
 * phoneme events every 100 ms and no word events. Counts the samples it produced.
 */
class ScriptedEngine implements Engine {
  readonly capabilities = espeakCapabilities();
  produced = 0;
  ready(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  async *synthesize(segment: EngineSegment, signal: AbortSignal): AsyncIterable<EngineChunk> {
    const words: WordEvent[] = [];
    const phonemes: PhonemeEvent[] = [];
    let total: number;
    if (segment.ipa !== undefined) {
      total = segment.ipa.length * SAMPLES_PER_CHARACTER;
      for (let sample = 0; sample < total; sample += RATE / 10) phonemes.push({ ipa: 'ə', sample });
    } else {
      total = segment.text.length * SAMPLES_PER_CHARACTER;
      for (const token of segment.text.matchAll(/\S+/g)) {
        const sample = token.index * SAMPLES_PER_CHARACTER;
        words.push({ textStart: token.index, textLength: token[0].length, sample });
        phonemes.push({ ipa: 'a', sample });
      }
    }
    for (let start = 0; start < total && !signal.aborted; start += CHUNK) {
      const end = Math.min(total, start + CHUNK);
      const samples = new Int16Array(end - start);
      for (let i = 0; i < samples.length; i += 1) samples[i] = Math.round(8000 * Math.sin((start + i) / 7));
      this.produced += samples.length;
      yield {
        samples,
        words: words.filter((word) => word.sample >= start && word.sample < end),
        phonemes: phonemes.filter((phoneme) => phoneme.sample >= start && phoneme.sample < end),
      };
    }
  }
}

interface Run {
  readonly chunks: PcmChunk[];
  readonly maxHeld: number;
}

async function run(plan: SynthesisPlan): Promise<Run> {
  const engine = new ScriptedEngine();
  const pipeline = createPipeline({ engine: () => engine });
  const chunks: PcmChunk[] = [];
  let yielded = 0;
  let maxHeld = 0;
  for await (const chunk of pipeline.run({ plan, voice: DEFAULT_VOICE, signal: new AbortController().signal })) {
    yielded += chunk.samples.length;
    maxHeld = Math.max(maxHeld, engine.produced - yielded);
    chunks.push(chunk);
  }
  return { chunks, maxHeld };
}

/** protocol.md section 1: every character once, starts never decrease, each unit in the frame holding its start, times within the audio. */
function assertTimestampRules(chunks: readonly PcmChunk[], written: string): void {
  const total = chunks.reduce((sum, chunk) => sum + chunk.samples.length, 0) / RATE;
  const graphs: string[] = [];
  const previous = { graph: 0, phon: 0 };
  let frameStart = 0;
  for (const [index, chunk] of chunks.entries()) {
    const frameEnd = frameStart + chunk.samples.length / RATE;
    const last = index === chunks.length - 1;
    for (const [kind, times] of [['graph', chunk.alignment.graph_times], ['phon', chunk.alignment.phon_times]] as const) {
      for (const [start, end] of times) {
        assert.ok(start >= previous[kind] - 1e-9, `${kind} start ${start} after ${previous[kind]}`);
        assert.ok(end >= start && end <= total + 1e-9, `${kind} [${start}, ${end}] within ${total} s`);
        assert.ok(start >= frameStart - 1e-9 && (last || start < frameEnd + 1e-9), `${kind} start ${start} lies in its frame [${frameStart}, ${frameEnd})`);
        previous[kind] = start;
      }
    }
    graphs.push(...chunk.alignment.graph_chars);
    frameStart = frameEnd;
  }
  assert.equal(graphs.join(''), written, 'every written character exactly once, in order');
}

function speech(written: string, ipa?: string): SynthesisPlan {
  return { items: [{ kind: 'speech', written, spoken: written, prosody: NEUTRAL_PROSODY, ...(ipa === undefined ? {} : { ipa }) }] };
}

describe('audio held back for timestamps', () => {
  it('a giant token does not hold its segment: the word is closed off after 2 s of audio', async () => {
    const written = `Start ${'a'.repeat(390)} end.`;
    const { chunks, maxHeld } = await run(speech(written));
    // 4 s of one word: without the bound the whole word (and its segment) would wait for the word after it.
    assert.ok(maxHeld <= HELD_BOUND, `held ${(maxHeld / RATE).toFixed(2)} s of audio`);
    assertTimestampRules(chunks, written);
  });

  it('several long words in a row are each closed off, and the words after them are placed after that', async () => {
    const written = `${'b'.repeat(300)}, ${'c'.repeat(300)} ${'d'.repeat(300)}. Then short words.`;
    const { chunks, maxHeld } = await run(speech(written));
    assert.ok(maxHeld <= HELD_BOUND, `held ${(maxHeld / RATE).toFixed(2)} s of audio`);
    assertTimestampRules(chunks, written);
  });

  it('a long <phoneme ph> (no word events) holds at most 2 s, and its written word is placed once', async () => {
    const written = 'tomato';
    const { chunks, maxHeld } = await run(speech(written, 'təˈmeɪtoʊ'.repeat(200)));
    assert.ok(maxHeld <= HELD_BOUND, `held ${(maxHeld / RATE).toFixed(2)} s of audio`);
    assertTimestampRules(chunks, written);
    const firstAudio = chunks.findIndex((chunk) => chunk.samples.length > 0);
    assert.ok(chunks.slice(0, firstAudio + 20).some((chunk) => chunk.alignment.graph_chars.length > 0), 'the written word comes with the early audio');
  });

  it('short words are untouched by the bound: each word keeps its own span', async () => {
    const written = 'One two three four.';
    const { chunks } = await run(speech(written));
    assertTimestampRules(chunks, written);
    const starts = chunks.flatMap((chunk) => chunk.alignment.graph_times.map(([start]) => start));
    assert.equal(starts[written.indexOf('two')], (written.indexOf('two') * SAMPLES_PER_CHARACTER) / RATE, 'a word starts at its word event');
  });
});
