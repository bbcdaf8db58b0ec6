/**
 * What an espeak worker thread does: load one espeak-ng instance, warm it up, and serve jobs with it. The
 * shipped entry (worker.ts) only hosts this; tests host it behind their own entries to inject faults.
 */
import type { EngineChunk } from '../engine.js';
import type { JobContext, JobHandler } from '../worker-host.js';
import { EspeakEventMapper, writtenWords } from './events.js';
import type { EspeakJob } from './job.js';
import { ESPEAK_SAMPLE_RATE, loadEspeak, type LoadedEspeak } from './native.js';
import { applyGain } from '../../audio/pcm.js';

function synthesize(loaded: LoadedEspeak, job: EspeakJob, context: JobContext<EngineChunk>): void {
  const espeak = loaded.instance;
  if (job.variant !== undefined) loaded.ensureVariant(job.variant.name, job.variant.text);
  // Every setting is applied on every job: the instance is shared by all requests this worker serves.
  if (espeak.set_voice(job.voice) !== 0) throw new Error(`espeak-ng cannot load voice "${job.voice}"`);
  espeak.set_rate(job.wordsPerMinute);
  espeak.set_pitch(job.pitch);
  espeak.set_range(job.range);
  const written = job.written === undefined ? undefined : writtenWords(job.written);
  const mapper = new EspeakEventMapper(job.input, ESPEAK_SAMPLE_RATE, written);
  espeak.synthesize(job.input, (samples, events) => {
    if (context.cancelled()) return true;
    applyGain(samples, job.gain);
    const { words, phonemes } = mapper.translate(events);
    if (samples.length > 0 || words.length > 0 || phonemes.length > 0) {
      context.emit({ samples, words, phonemes }, [samples.buffer as ArrayBuffer]);
    }
    return false;
  });
}

/**
 * Bytes the binding's string buffer is grown to before the pristine snapshot. The binding keeps that buffer
 * across calls and grows it (a new allocation) for longer strings; growing it after the snapshot would make a
 * restore free memory the binding still uses, so it is made larger than any segment text first.
 */
const STRING_BUFFER_BYTES = 512 * 1024;

/**
 * espeak-ng keeps state between syntheses inside its wasm memory (e.g. the phase of its pitch flutter), so
 * the same text comes out a few samples different each time. A copy of the memory taken right after warm-up
 * and written back before a `repeatable` job makes that job's output depend on its input alone.
 */
function pristineState(loaded: LoadedEspeak): () => void {
  loaded.instance.set_voice('x'.repeat(STRING_BUFFER_BYTES));
  loaded.instance.set_voice('en-us');
  const snapshot = loaded.heap().slice();
  return () => {
    const heap = loaded.heap();
    heap.set(snapshot);
    // Memory the allocator got after the snapshot is free again once restored, and it takes fresh memory to
    // be zeroed (calloc relies on that): zero it, or earlier jobs' bytes would leak into this one.
    heap.fill(0, snapshot.length);
  };
}

/**
 * espeak-ng seeds its random numbers from the clock as it starts. Starting it under a fixed clock gives every
 * worker, in every process and on every machine, the same pristine state, so repeatable jobs agree everywhere.
 */
async function withFixedClock<T>(work: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => 0;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}

/** Loads and warms up this thread's espeak-ng instance and returns the handler of its jobs. */
export async function espeakJobHandler(): Promise<JobHandler<EspeakJob, EngineChunk>> {
  const { espeak, restorePristine } = await withFixedClock(async () => {
    const loaded = await loadEspeak();
    // Warm-up: the first synthesis loads voice data and compiles hot paths; do it before accepting jobs.
    const warm: EspeakJob = { voice: 'en-us', wordsPerMinute: 175, pitch: 50, range: 50, gain: 1, input: 'ready' };
    synthesize(loaded, warm, { cancelled: () => false, emit: () => undefined });
    return { espeak: loaded, restorePristine: pristineState(loaded) };
  });
  return (job, context) => {
    if (job.repeatable) restorePristine();
    synthesize(espeak, job, context);
  };
}
