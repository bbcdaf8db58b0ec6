/** Worker-thread entry: one espeak-ng instance serving jobs from the pool. */
import type { EngineChunk } from '../engine.js';
import { hostJobs, type JobContext } from '../worker-host.js';
import { EspeakEventMapper, writtenWords } from './events.js';
import { TEST_FAULTS, type EspeakJob } from './job.js';
import { ESPEAK_SAMPLE_RATE, loadEspeak, type ESpeakNGWorker } from './native.js';
import { applyGain } from './prosody.js';

const faultsEnabled = process.env['VOXWIRE_TEST_FAULTS'] === '1';

function injectFault(input: string): void {
  if (!faultsEnabled) return;
  if (input === TEST_FAULTS.crash) process.exit(70);
  if (input === TEST_FAULTS.hang) for (;;);
}

function synthesize(espeak: ESpeakNGWorker, job: EspeakJob, context: JobContext<EngineChunk>): void {
  injectFault(job.input);
  // Every setting is applied on every job: the instance is shared by all requests this worker serves.
  if (espeak.set_voice(job.voice) !== 0) throw new Error(`espeak-ng cannot load voice "${job.voice}"`);
  espeak.set_rate(job.wordsPerMinute);
  espeak.set_pitch(job.pitch);
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

await hostJobs<EspeakJob, EngineChunk>(async () => {
  const espeak = await loadEspeak();
  // Warm-up: the first synthesis loads voice data and compiles hot paths; do it before accepting jobs.
  const warm: EspeakJob = { voice: 'en-us', wordsPerMinute: 175, pitch: 50, gain: 1, input: 'ready' };
  synthesize(espeak, warm, { cancelled: () => false, emit: () => undefined });
  return (job, context) => synthesize(espeak, job, context);
});
