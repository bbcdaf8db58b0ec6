/** The worker pool, runtime settings and Engine object shared by the neural engines. */
import { EngineFailure, type Engine, type EngineCapabilities, type EngineChunk, type EngineSegment } from '../engine.js';
import { WorkerPool } from '../worker-pool.js';
import {
  DEFAULT_IDLE_UNLOAD_MS,
  DEFAULT_NEURAL_HANG_TIMEOUT_MS,
  type NeuralEngineOptions,
  type NeuralRuntimeSettings,
} from './voices.js';

/**
 * What a neural engine declares: each voice at its model's rate, rate (length_scale / speed) and volume (gain)
 * but no pitch (the models have no pitch input), no IPA input, word and phoneme timestamps, and audio of a
 * sentence after its inference.
 * Languages are left empty: the installed models change on rescan, and each voice says its own.
 */
export function neuralCapabilities(name: string, sampleRate: number): EngineCapabilities {
  return {
    name,
    sampleRate,
    perVoiceSampleRate: true,
    languages: [],
    prosody: { rate: true, pitch: false, volume: true },
    phonemeInput: false,
    timestamps: { words: true, phonemes: true },
    streaming: false,
  };
}

/** Under tsx a worker is the .ts source; compiled, it is the .js beside the engine. */
export function workerEntry(engineUrl: string): URL {
  return new URL(`./worker${engineUrl.endsWith('.ts') ? '.ts' : '.js'}`, engineUrl);
}

function neuralPool<Job>(entry: URL, options: NeuralEngineOptions): WorkerPool<Job, EngineChunk> {
  return new WorkerPool<Job, EngineChunk>({
    entry,
    size: options.workers ?? 1,
    hangTimeoutMs: options.hangTimeoutMs ?? DEFAULT_NEURAL_HANG_TIMEOUT_MS,
  });
}

function runtimeSettings(options: NeuralEngineOptions): NeuralRuntimeSettings {
  return {
    intraOpThreads: options.intraOpThreads ?? 1,
    idleUnloadMs: options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS,
    executionProviders: options.executionProviders ?? ['cpu'],
  };
}

/** The iteration of a segment the engine refuses before any work (unknown voice). */
async function* refused(message: string): AsyncGenerator<EngineChunk> {
  throw new EngineFailure(message);
}

/**
 * An engine whose segments become jobs for a pool of workers at `entry`. `toJob` throws to refuse a segment
 * (an unknown voice): the refusal reaches the caller as the iteration's EngineFailure.
 */
export function neuralEngine<Job>(
  capabilities: EngineCapabilities,
  entry: URL,
  options: NeuralEngineOptions,
  toJob: (segment: EngineSegment, runtime: NeuralRuntimeSettings) => Job,
): Engine {
  const pool = neuralPool<Job>(entry, options);
  const runtime = runtimeSettings(options);
  return {
    capabilities,
    ready: () => pool.ready(),
    synthesize: (segment, signal) => {
      let job: Job;
      try {
        job = toJob(segment, runtime);
      } catch (error) {
        return refused(error instanceof Error ? error.message : String(error));
      }
      return pool.run(job, signal);
    },
    close: () => pool.close(),
    stats: () => pool.stats(),
  };
}
