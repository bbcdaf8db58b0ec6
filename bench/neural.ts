/**
 * `npm run bench:neural`: what voxwire itself costs around each neural inference, on the test models (so the
 * figures measure voxwire, not a voice): per W1 sentence, phonemization, ids, the inference, and events +
 * int16 conversion + chunking, in this process on one thread; then first audio through the engine's worker
 * beside the in-process inference time; then memory per loaded voice (RSS growth per session of a model of
 * a real Piper voice's size, 63 MB of weights). Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineChunk, EngineSegment } from '../src/engines/engine.js';
import { NEUTRAL_PROSODY } from '../src/engines/engine.js';
import { loadEspeak } from '../src/engines/espeak/native.js';
import { EspeakPhonemizer } from '../src/engines/espeak/phonemizer.js';
import { createKokoroEngine, kokoroVoiceSpec } from '../src/engines/kokoro/engine.js';
import { ChunkStreamer, chunkSamplesFor } from '../src/engines/onnx/chunks.js';
import { discoverNeuralVoices } from '../src/engines/onnx/discovery.js';
import { createSession, float32Tensor, floatData, int64Tensor } from '../src/engines/onnx/session.js';
import { utteranceEvents } from '../src/engines/onnx/timing.js';
import { patchAlignmentOutput } from '../src/engines/piper/alignment-patch.js';
import { createPiperEngine, piperVoiceSpec } from '../src/engines/piper/engine.js';
import { piperIds } from '../src/engines/piper/ids.js';
import { piperIdMap, piperTestModel, writeKokoroVoice, writePiperVoice, TEST_HOP_LENGTH } from '../test/support/onnx-models.js';
import { loadWorkloads } from './workloads.js';

const PASSES = 5;
const REAL_VOICE_BYTES = 63 * 1024 * 1024;
const VOICES_FOR_MEMORY = 4;

const ms = (start: number): number => performance.now() - start;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const row = (name: string, values: readonly number[]): string =>
  `| ${name} | ${quantile(values, 0.5).toFixed(3)} | ${quantile(values, 0.95).toFixed(3)} |`;

async function inProcess(sentences: readonly string[]): Promise<void> {
  const phonemizer = new EspeakPhonemizer(await loadEspeak());
  const patched = patchAlignmentOutput(piperTestModel());
  const session = await createSession(patched.model);
  const idMap = new Map(Object.entries(piperIdMap()));
  const times = { phonemize: [] as number[], ids: [] as number[], inference: [] as number[], chunks: [] as number[] };
  let chunks = 0;
  const context = { cancelled: () => false, emit: (_chunk: EngineChunk) => void (chunks += 1) };
  for (let pass = 0; pass < PASSES; pass++) {
    for (const text of sentences) {
      let start = performance.now();
      const phonemized = phonemizer.phonemize(text, { voice: 'en-us', normalization: 'NFD' });
      times.phonemize.push(ms(start));
      // A W1 entry may hold two sentences (two inferences): its stages are summed over them.
      let ids = 0;
      let inference = 0;
      let chunking = 0;
      for (const sentence of phonemized) {
        start = performance.now();
        const fed = piperIds(sentence.phonemes, idMap);
        const feeds = {
          input: int64Tensor(fed.ids, [1, fed.ids.length]),
          input_lengths: int64Tensor([fed.ids.length], [1]),
          scales: float32Tensor(Float32Array.of(0.667, 1, 0.8), [3]),
        };
        ids += ms(start);
        start = performance.now();
        const result = await session.run(feeds);
        inference += ms(start);
        start = performance.now();
        const audio = floatData(result['output'], 'output');
        const frames = result[patched.alignmentOutput!]!.data as Float32Array;
        const events = utteranceEvents(sentence, fed.owner, Float64Array.from(frames, (f) => f * TEST_HOP_LENGTH), audio.length);
        new ChunkStreamer(context, chunkSamplesFor(22050), 1).send({ audio, ...events });
        chunking += ms(start);
      }
      times.ids.push(ids);
      times.inference.push(inference);
      times.chunks.push(chunking);
    }
  }
  console.log(`\nPiper test model, in process, ${sentences.length} W1 entries × ${PASSES} (ms; ${chunks} chunks)\n`);
  console.log('| stage | p50 | p95 |\n| --- | --- | --- |');
  console.log(row('phonemization (espeak-ng IPA, clauses, words)', times.phonemize));
  console.log(row('ids and input tensors', times.ids));
  console.log(row('inference (session.run)', times.inference));
  console.log(row('events + int16 + 100 ms chunks', times.chunks));
  const own = times.phonemize.map((value, index) => value + times.ids[index]! + times.chunks[index]!);
  console.log(row('voxwire\'s own time (all but the inference)', own));
  await session.release();
}

async function throughWorker(sentences: readonly string[], dataDir: string): Promise<void> {
  const discovery = await discoverNeuralVoices(dataDir);
  const piper = createPiperEngine({ workers: 1 });
  const kokoro = createKokoroEngine({ workers: 1 });
  await Promise.all([piper.ready(), kokoro.ready()]);
  const piperVoice = discovery.voices.find((voice) => voice.key === 'en_US-bench-medium')!;
  const kokoroVoice = discovery.voices.find((voice) => voice.engine === 'kokoro')!;
  for (const [name, engine, voice] of [['Piper', piper, piperVoiceSpec(piperVoice)], ['Kokoro', kokoro, kokoroVoiceSpec(kokoroVoice)]] as const) {
    const first: number[] = [];
    const total: number[] = [];
    // One warm-up pass loads the model in the worker.
    for (let pass = 0; pass <= PASSES; pass++) {
      for (const text of sentences) {
        const segment: EngineSegment = { voice, text, prosody: NEUTRAL_PROSODY };
        const start = performance.now();
        let firstAt = -1;
        for await (const _chunk of engine.synthesize(segment, new AbortController().signal)) {
          if (firstAt < 0) firstAt = ms(start);
        }
        if (pass > 0) {
          first.push(firstAt);
          total.push(ms(start));
        }
      }
    }
    console.log(`\n${name} test model through one worker thread (ms)\n`);
    console.log('| | p50 | p95 |\n| --- | --- | --- |');
    console.log(row('first audio', first));
    console.log(row('whole sentence', total));
  }
  await Promise.all([piper.close(), kokoro.close()]);
}

async function memoryPerVoice(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rssMiB = (): number => {
    gc?.();
    return process.memoryUsage().rss / 2 ** 20;
  };
  const before = rssMiB();
  const sessions = [];
  // As a worker loads a voice: the file's bytes are dropped once the session holds the model.
  for (let index = 0; index < VOICES_FOR_MEMORY; index++) {
    sessions.push(await createSession(patchAlignmentOutput(piperTestModel({ weightBytes: REAL_VOICE_BYTES })).model));
  }
  const after = rssMiB();
  console.log(
    `\nMemory: ${VOICES_FOR_MEMORY} loaded Piper-sized voices (${(REAL_VOICE_BYTES / 2 ** 20).toFixed(0)} MiB of weights each): ` +
      `RSS ${before.toFixed(1)} → ${after.toFixed(1)} MiB, ${((after - before) / VOICES_FOR_MEMORY).toFixed(1)} MiB per voice` +
      (gc ? '' : ' (run with NODE_OPTIONS=--expose-gc for figures without garbage)'),
  );
  for (const session of sessions) await session.release();
}

const dataDir = mkdtempSync(join(tmpdir(), 'voxwire-bench-neural-'));
try {
  const { w1 } = loadWorkloads();
  writePiperVoice(join(dataDir, 'voices', 'piper'), 'en_US-bench-medium');
  writeKokoroVoice(join(dataDir, 'voices', 'kokoro', 'kokoro-test'), ['af_bella'], { durations: true });
  await inProcess(w1);
  await throughWorker(w1, dataDir);
  await memoryPerVoice();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
