/**
 * The embedded espeak-ng engine: espeak compiled to WebAssembly, one instance per worker thread, so synthesis
 * never blocks the event loop and segments run in parallel up to the pool size.
 */
import { availableParallelism } from 'node:os';
import type { Engine, EngineCapabilities, EngineChunk, EngineSegment } from '../engine.js';
import { WorkerPool } from '../worker-pool.js';
import { phonemeInput } from './ipa.js';
import type { EspeakJob } from './job.js';
import { ESPEAK_SAMPLE_RATE } from './native.js';
import { espeakSettings } from './prosody.js';
import { ESPEAK_VOICES } from './voices.js';
import { deliverEspeak, variantName } from './design.js';

export const ESPEAK_ENGINE_ID = 'espeak-ng';

export interface EspeakEngineOptions {
  /** Worker threads (default: number of cores). */
  readonly workers?: number;
  /** A segment that produces no audio for this long fails and its worker is replaced (default 10 s). */
  readonly hangTimeoutMs?: number;
  /** A worker not ready this long after it started loading is replaced (default 60 s). */
  readonly startTimeoutMs?: number;
  /**
   * The worker thread's module (default: the shipped worker). Tests pass an entry of their own that hosts
   * `espeakJobHandler` with faults around it, so no fault can be switched on in a running server.
   */
  readonly workerEntry?: URL;
}

const DEFAULT_HANG_TIMEOUT_MS = 10_000;

/** Under tsx the worker is the .ts source; compiled, it is the .js beside this file. */
const WORKER_ENTRY = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export function espeakCapabilities(): EngineCapabilities {
  return {
    name: ESPEAK_ENGINE_ID,
    sampleRate: ESPEAK_SAMPLE_RATE,
    languages: [...new Set(ESPEAK_VOICES.flatMap((voice) => [voice.language.toLowerCase(), voice.language.toLowerCase().split('-')[0]!]))],
    prosody: { rate: true, pitch: true, volume: true },
    phonemeInput: true,
    timestamps: { words: true, phonemes: true },
    streaming: true,
  };
}

export function espeakJob(segment: EngineSegment): EspeakJob {
  const settings = espeakSettings(segment.voice, segment.prosody);
  const variant = segment.voice['variant'];
  const base = {
    voice: segment.voice.id,
    ...settings,
    ...(typeof variant === 'string' ? { variant: { name: variantName(variant), text: variant } } : {}),
    ...(segment.repeatable ? { repeatable: true } : {}),
  };
  return segment.ipa === undefined
    ? { ...base, input: segment.text }
    : { ...base, input: phonemeInput(segment.ipa), written: segment.text };
}

export function createEspeakEngine(options: EspeakEngineOptions = {}): Engine {
  const pool = new WorkerPool<EspeakJob, EngineChunk>({
    entry: options.workerEntry ?? WORKER_ENTRY,
    size: options.workers ?? availableParallelism(),
    hangTimeoutMs: options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS,
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
  });
  return {
    capabilities: espeakCapabilities(),
    ready: () => pool.ready(),
    synthesize: (segment, signal) => pool.run(espeakJob(segment), signal),
    deliver: deliverEspeak,
    close: () => pool.close(),
    stats: () => pool.stats(),
  };
}
