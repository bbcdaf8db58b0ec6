/** The worker pool and runtime settings shared by the neural engines. */
import { EngineFailure, type EngineChunk } from '../engine.js';
import { WorkerPool } from '../worker-pool.js';
import {
  DEFAULT_IDLE_UNLOAD_MS,
  DEFAULT_NEURAL_HANG_TIMEOUT_MS,
  type NeuralEngineOptions,
  type NeuralRuntimeSettings,
} from './voices.js';

/** Under tsx a worker is the .ts source; compiled, it is the .js beside the engine. */
export function workerEntry(engineUrl: string): URL {
  return new URL(`./worker${engineUrl.endsWith('.ts') ? '.ts' : '.js'}`, engineUrl);
}

export function neuralPool<Job>(entry: URL, options: NeuralEngineOptions): WorkerPool<Job, EngineChunk> {
  return new WorkerPool<Job, EngineChunk>({
    entry,
    size: options.workers ?? 1,
    hangTimeoutMs: options.hangTimeoutMs ?? DEFAULT_NEURAL_HANG_TIMEOUT_MS,
  });
}

export function runtimeSettings(options: NeuralEngineOptions): NeuralRuntimeSettings {
  return {
    intraOpThreads: options.intraOpThreads ?? 1,
    idleUnloadMs: options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS,
  };
}

/** The iteration of a segment the engine refuses before any work (unknown voice). */
export async function* refused(message: string): AsyncGenerator<EngineChunk> {
  throw new EngineFailure(message);
}
