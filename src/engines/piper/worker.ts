/** Worker-thread entry: Piper voices on onnxruntime-node, with the embedded espeak-ng as phonemizer. */
import { readFile } from 'node:fs/promises';
import type { EngineChunk } from '../engine.js';
import { EspeakPhonemizer, type PhonemizedSentence } from '../espeak/phonemizer.js';
import { loadEspeak } from '../espeak/native.js';
import { ChunkStreamer, chunkSamplesFor } from '../onnx/chunks.js';
import { sessionOptions, speakSentences } from '../onnx/worker-side.js';
import type { NeuralRuntimeSettings } from '../onnx/voices.js';
import { createSession, float32Tensor, floatData, int64Tensor, type Feeds, type Session } from '../onnx/session.js';
import { evenDurations, utteranceEvents } from '../onnx/timing.js';
import { VoiceCache } from '../onnx/voice-cache.js';
import { hostJobs, type JobContext } from '../worker-host.js';
import { patchAlignmentOutput } from './alignment-patch.js';
import { parsePiperConfig, type PiperConfig } from './config.js';
import { piperIds } from './ids.js';
import type { PiperJob } from './job.js';

interface LoadedPiper {
  readonly session: Session;
  readonly config: PiperConfig;
  readonly audioOutput: string;
  /** The patched-in output of the graph's Ceil node; undefined when the patch could not apply. */
  readonly alignmentOutput: string | undefined;
  release(): Promise<void>;
}

async function loadPiper(path: string, runtime: NeuralRuntimeSettings): Promise<LoadedPiper> {
  const [bytes, configText] = await Promise.all([readFile(path), readFile(`${path}.json`, 'utf8')]);
  const config = parsePiperConfig(configText);
  const patched = patchAlignmentOutput(bytes);
  let session: Session;
  let alignmentOutput = patched.alignmentOutput;
  try {
    session = await createSession(patched.model, sessionOptions(runtime));
  } catch (error) {
    // A graph the patch made invalid still speaks unpatched, with approximate timestamps.
    if (alignmentOutput === undefined) throw error;
    session = await createSession(bytes, sessionOptions(runtime));
    alignmentOutput = undefined;
  }
  const audioOutput = session.outputNames.includes('output')
    ? 'output'
    : session.outputNames.find((name) => name !== alignmentOutput);
  if (audioOutput === undefined) throw new Error(`${path}: the model has no audio output`);
  return { session, config, audioOutput, alignmentOutput, release: () => session.release() };
}

function feeds(voice: LoadedPiper, ids: readonly number[], job: PiperJob): Feeds {
  const { config, session } = voice;
  const lengthScale = config.lengthScale / job.rate;
  const all: Feeds = {
    input: int64Tensor(ids, [1, ids.length]),
    input_lengths: int64Tensor([ids.length], [1]),
    scales: float32Tensor(Float32Array.of(config.noiseScale, lengthScale, config.noiseW), [3]),
  };
  if (config.numSpeakers > 1) all['sid'] = int64Tensor([job.speaker ?? 0], [1]);
  // Only the inputs the graph declares: exports differ (single-speaker graphs have no `sid`).
  return Object.fromEntries(session.inputNames.filter((name) => all[name]).map((name) => [name, all[name]!]));
}

async function speakSentence(voice: LoadedPiper, sentence: PhonemizedSentence, job: PiperJob, streamer: ChunkStreamer): Promise<boolean> {
  const { ids, owner } = piperIds(sentence.phonemes, voice.config.phonemeIdMap);
  const result = await voice.session.run(feeds(voice, ids, job));
  const audio = floatData(result[voice.audioOutput], voice.audioOutput);
  const frames = voice.alignmentOutput === undefined ? undefined : result[voice.alignmentOutput];
  const samplesPerId =
    frames?.type === 'float32' && frames.data.length === ids.length
      ? Float64Array.from(frames.data as Float32Array, (count) => count * voice.config.hopLength)
      : evenDurations(ids.length, audio.length);
  return streamer.send({ audio, ...utteranceEvents(sentence, owner, samplesPerId, audio.length) });
}

await hostJobs<PiperJob, EngineChunk>(async () => {
  const phonemizer = new EspeakPhonemizer(await loadEspeak());
  let runtime: NeuralRuntimeSettings | undefined;
  const cache = new VoiceCache((path) => loadPiper(path, runtime!));
  return async (job: PiperJob, context: JobContext<EngineChunk>) => {
    runtime = job.runtime;
    const first = await cache.get(job.model, job.version, job.runtime.idleUnloadMs);
    const sentences = phonemizer.phonemize(job.text, { voice: first.config.espeakVoice, normalization: 'NFD' });
    const streamer = new ChunkStreamer(context, chunkSamplesFor(first.config.sampleRate), job.gain);
    await speakSentences(sentences, context.cancelled, async (sentence) =>
      speakSentence(await cache.get(job.model, job.version, job.runtime.idleUnloadMs), sentence, job, streamer),
    );
  };
});
