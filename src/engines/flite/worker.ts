/** Worker-thread entry: one flite instance serving jobs from the pool. */
import { NEUTRAL_PROSODY, type EngineChunk, type PhonemeEvent, type WordEvent } from '../engine.js';
import { hostJobs, type JobContext } from '../worker-host.js';
import type { FliteJob } from './job.js';
import { FliteInstanceLost, loadFlite, type FliteInstance } from './native.js';
import { timedEvents, type TimedEvents } from './phones.js';
import { fliteSettings } from './prosody.js';
import { spokenText, TokenLocator, utterances } from './text.js';
import { FLITE_VOICES, fliteVoice } from './voices.js';

/** Hands out events in sample order, each with the chunk whose audio holds its start. */
class EventQueue {
  private word = 0;
  private phoneme = 0;

  constructor(private readonly events: TimedEvents) {}

  /** Events starting before `end`; with `clampTo`, all that remain, moved back to it if later. */
  take(end: number, clampTo?: number): { words: WordEvent[]; phonemes: PhonemeEvent[] } {
    const words: WordEvent[] = [];
    const phonemes: PhonemeEvent[] = [];
    const { words: allWords, phonemes: allPhonemes } = this.events;
    const clamp = <T extends { sample: number }>(event: T): T =>
      clampTo !== undefined && event.sample > clampTo ? { ...event, sample: clampTo } : event;
    while (this.word < allWords.length && (clampTo !== undefined || allWords[this.word]!.sample < end)) {
      words.push(clamp(allWords[this.word++]!));
    }
    while (this.phoneme < allPhonemes.length && (clampTo !== undefined || allPhonemes[this.phoneme]!.sample < end)) {
      phonemes.push(clamp(allPhonemes[this.phoneme++]!));
    }
    return { words, phonemes };
  }
}

function synthesize(flite: FliteInstance, job: FliteJob, context: JobContext<EngineChunk>): void {
  const voice = fliteVoice(job.voice.id);
  if (!voice) throw new Error(`flite has no voice "${job.voice.id}"`);
  const settings = fliteSettings(job.voice, job.prosody);
  const spoken = spokenText(job.text);
  const locator = new TokenLocator(spoken);
  let offset = 0;
  for (const utterance of utterances(spoken.text)) {
    if (context.cancelled()) return;
    let queue = new EventQueue({ words: [], phonemes: [] });
    // An exception must not cross the wasm frames (flite's state would be left mid-utterance): the hook
    // stops flite and the error is raised once it has returned.
    let failure: Error | undefined;
    flite.speak(voice.shimIndex, utterance, settings, {
      timings: (phones) => {
        queue = new EventQueue(timedEvents(phones, voice.sampleRate, offset, (phone) => locator.locate(phone.tokenName)));
      },
      audio: (samples, sampleRate) => {
        if (sampleRate !== voice.sampleRate) {
          failure = new Error(`flite voice ${voice.id} renders at ${sampleRate} Hz, expected ${voice.sampleRate}`);
          return true;
        }
        if (context.cancelled()) return true;
        offset += samples.length;
        context.emit({ samples, ...queue.take(offset) }, [samples.buffer as ArrayBuffer]);
        return false;
      },
    });
    if (failure) throw failure;
    if (context.cancelled()) return;
    // Timings a little past the audio's end (flite rounds) are moved onto its last sample.
    const rest = queue.take(offset, Math.max(0, offset - 1));
    if (rest.words.length > 0 || rest.phonemes.length > 0) context.emit({ samples: new Int16Array(0), ...rest });
  }
}

await hostJobs<FliteJob, EngineChunk>(async () => {
  const flite = await loadFlite();
  // Warm-up: each voice's first utterance touches its model data for the first time; do it before jobs.
  for (const voice of FLITE_VOICES) {
    const warm: FliteJob = { voice: voice.spec, text: 'ready', prosody: NEUTRAL_PROSODY };
    synthesize(flite, warm, { cancelled: () => false, emit: () => undefined });
  }
  return (job, context) => {
    try {
      synthesize(flite, job, context);
    } catch (error) {
      // The pool fails this job when the worker exits and starts a fresh instance in its place.
      if (error instanceof FliteInstanceLost) process.exit(70);
      throw error;
    }
  };
});
