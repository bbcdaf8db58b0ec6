/**
 * `npm run bench:neural`: what voxwire itself costs around each neural inference, on the test models (so the
 * figures measure voxwire, not a voice): per W1 sentence, phonemization, ids, the inference, and events +
 * int16 conversion + chunking, in this process on one thread; then first audio through the engine's worker
 * beside the in-process inference time; then through a voxwire server (in this process, one worker per
 * engine): first audio of the Piper and Kokoro test voices minus their first sentence's inference, beside
 * espeak-ng's first audio minus its raw engine's first buffer, in the same run, entry by entry; then memory per
 * loaded voice (RSS growth per session of a model of a real Piper voice's size, 63 MB of weights, in process
 * and in the server's Piper worker). Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine, EngineChunk, EngineSegment } from '../src/engines/engine.js';
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
import { startVoxwire } from '../src/app.js';
import { createEspeakEngine } from '../src/engines/espeak/engine.js';
import { uuidV5, VOICE_NAMESPACE, voiceForLanguage } from '../src/voices/catalogue.js';
import { BenchClient } from './ws-client.js';
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

/**
 * The raw engine's first chunk for `text`, through its worker: for a neural engine the phonemization and the
 * first sentence's inference (its first chunk leaves right after it), for espeak-ng its first 100 ms buffer.
 */
async function rawFirstChunk(engineVoice: EngineSegment['voice'], engine: Engine, text: string): Promise<number> {
  const start = performance.now();
  for await (const _chunk of engine.synthesize({ voice: engineVoice, text, prosody: NEUTRAL_PROSODY }, new AbortController().signal)) return ms(start);
  return ms(start);
}

async function throughServer(sentences: readonly string[], dataDir: string): Promise<void> {
  const discovery = await discoverNeuralVoices(dataDir);
  const piperVoice = discovery.voices.find((voice) => voice.key === 'en_US-bench-medium')!;
  const kokoroVoice = discovery.voices.find((voice) => voice.engine === 'kokoro')!;
  const espeakVoice = voiceForLanguage('en-US', 'female', 'espeak-ng')!;
  const raw = { piper: createPiperEngine({ workers: 1 }), kokoro: createKokoroEngine({ workers: 1 }), espeak: createEspeakEngine({ workers: 1 }) };
  await Promise.all(Object.values(raw).map((engine) => engine.ready()));
  const server = await startVoxwire({ port: 0, workers: 1, dataDir });
  const client = await BenchClient.connect(server.streamUrl);
  const voices = [
    { name: 'Piper test voice', uuid: uuidV5(VOICE_NAMESPACE, `piper/${piperVoice.key}`), engine: raw.piper, spec: piperVoiceSpec(piperVoice) },
    { name: 'Kokoro test voice', uuid: uuidV5(VOICE_NAMESPACE, `kokoro/${kokoroVoice.key}`), engine: raw.kokoro, spec: kokoroVoiceSpec(kokoroVoice) },
    { name: 'espeak-ng en-US', uuid: espeakVoice.uuid, engine: raw.espeak, spec: espeakVoice.spec },
  ];
  const figures = voices.map(() => ({ first: [] as number[], engine: [] as number[], own: [] as number[] }));
  const format = { format: 'wav', sampleRate: 22050, precision: 'PCM_16' } as const;
  try {
    // One warm-up pass loads the models; then server and raw engine take turns, entry by entry.
    for (let pass = 0; pass <= PASSES; pass++) {
      for (const text of sentences) {
        for (const [index, voice] of voices.entries()) {
          const timing = await client.speak(text, { voiceUuid: voice.uuid, format, binary: false, deadline: performance.now() + 60_000 });
          const engineFirst = await rawFirstChunk(voice.spec, voice.engine, text);
          if (pass === 0 || timing.firstAudioMs === null) continue;
          figures[index]!.first.push(timing.firstAudioMs);
          figures[index]!.engine.push(engineFirst);
          figures[index]!.own.push(timing.firstAudioMs - engineFirst);
        }
      }
    }
  } finally {
    client.close();
    await server.close();
    await Promise.all(Object.values(raw).map((engine) => engine.close()));
  }
  console.log(`\nThrough the server (in this process, JSON frames, PCM_16 22050 Hz; ${sentences.length} W1 entries × ${PASSES}; ms, p50 / p95)\n`);
  console.log('| voice | first audio | raw engine first chunk (phonemization + first inference) | first audio minus it: the server\'s own |');
  console.log('| --- | --- | --- | --- |');
  const pair = (values: readonly number[]): string => `${quantile(values, 0.5).toFixed(2)} / ${quantile(values, 0.95).toFixed(2)}`;
  voices.forEach((voice, index) => console.log(`| ${voice.name} | ${pair(figures[index]!.first)} | ${pair(figures[index]!.engine)} | ${pair(figures[index]!.own)} |`));
}

/** RSS of the whole process (the server's worker threads included) as the Piper worker loads real-sized voices. */
async function serverMemoryPerVoice(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rssMiB = (): number => {
    gc?.();
    return process.memoryUsage().rss / 2 ** 20;
  };
  const dir = mkdtempSync(join(tmpdir(), 'voxwire-bench-neural-memory-'));
  try {
    const keys = Array.from({ length: VOICES_FOR_MEMORY }, (_, index) => `en_US-big${index}-medium`);
    for (const key of keys) writePiperVoice(join(dir, 'voices', 'piper'), key, { weightBytes: REAL_VOICE_BYTES });
    const server = await startVoxwire({ port: 0, workers: 1, dataDir: dir });
    const client = await BenchClient.connect(server.streamUrl);
    const format = { format: 'wav', sampleRate: 22050, precision: 'PCM_16' } as const;
    try {
      await client.speak('Warm.', { voiceUuid: voiceForLanguage('en-US', 'female', 'espeak-ng')!.uuid, format, binary: false, deadline: performance.now() + 60_000 });
      const before = rssMiB();
      const steps: number[] = [];
      let last = before;
      for (const key of keys) {
        await client.speak('Load this voice.', { voiceUuid: uuidV5(VOICE_NAMESPACE, `piper/${key}`), format, binary: false, deadline: performance.now() + 120_000 });
        const now = rssMiB();
        steps.push(now - last);
        last = now;
      }
      console.log(
        `\nServer memory: the Piper worker loading ${VOICES_FOR_MEMORY} voices of ${(REAL_VOICE_BYTES / 2 ** 20).toFixed(0)} MiB of weights each: ` +
          `RSS ${before.toFixed(1)} → ${last.toFixed(1)} MiB; per voice ${steps.map((step) => step.toFixed(1)).join(', ')} MiB`,
      );
    } finally {
      client.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  await throughServer(w1, dataDir);
  await memoryPerVoice();
  await serverMemoryPerVoice();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
