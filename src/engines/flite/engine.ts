/**
 * The flite engine: CMU's flite 2.2 with its US English voices, compiled to WebAssembly (vendor/flite/),
 * one private instance per worker thread of the shared worker pool, like espeak-ng.
 *
 * Unlike espeak-ng, flite times a whole utterance before it makes any audio: the worker splits a segment
 * into sentences (text.ts), and each one's word and phone events go out with the audio buffer they start in.
 * Voices render at 16 kHz (see voices.ts); the pipeline resamples.
 */
import { availableParallelism } from 'node:os';
import type { Engine, EngineCapabilities, EngineChunk } from '../engine.js';
import { WorkerPool } from '../worker-pool.js';
import type { FliteJob } from './job.js';
import { unspeakableByFlite } from './text.js';

export interface FliteEngineOptions {
  /** Worker threads (default: number of cores). */
  readonly workers?: number;
  /** A segment that produces no audio for this long fails and its worker is replaced (default 10 s). */
  readonly hangTimeoutMs?: number;
  /** A worker not ready this long after it started loading is replaced (default 60 s). */
  readonly startTimeoutMs?: number;
}

const DEFAULT_HANG_TIMEOUT_MS = 10_000;
export const FLITE_SAMPLE_RATE = 16000;
export const FLITE_ENGINE_ID = 'flite';

/** Under tsx the worker is the .ts source; compiled, it is the .js beside this file. */
const WORKER_ENTRY = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export function fliteCapabilities(): EngineCapabilities {
  return {
    name: FLITE_ENGINE_ID,
    sampleRate: FLITE_SAMPLE_RATE,
    languages: ['en', 'en-us', 'en-gb'],
    prosody: { rate: true, pitch: true, volume: true },
    phonemeInput: false,
    timestamps: { words: true, phonemes: true },
    // Audio streams in 100 ms buffers; a sentence's timings are all known before its first buffer.
    streaming: true,
  };
}

export function createFliteEngine(options: FliteEngineOptions = {}): Engine {
  const pool = new WorkerPool<FliteJob, EngineChunk>({
    entry: WORKER_ENTRY,
    size: options.workers ?? availableParallelism(),
    hangTimeoutMs: options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS,
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
  });
  return {
    capabilities: fliteCapabilities(),
    ready: () => pool.ready(),
    synthesize: (segment, signal) =>
      pool.run({ voice: segment.voice, text: segment.text, prosody: segment.prosody }, signal),
    unspeakable: unspeakableByFlite,
    close: () => pool.close(),
    stats: () => pool.stats(),
  };
}
