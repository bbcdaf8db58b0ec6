/**
 * The workloads of issue 6, each written once and run against any Speaker: W1 agent turns, W2 long form,
 * W3 concurrency. Every loop is bounded by a count (W1, W2) or by a deadline (W3).
 */
import type { RequestTiming } from './playback.js';
import type { Speaker, SpeakerFactory } from './speakers.js';
import { round, seededRandom, summarize, type Summary } from './stats.js';

/** No single request of W1/W2 may take longer than this; a stuck server must not stall the benchmark. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface SequentialResult {
  readonly requests: number;
  readonly errors: number;
  /** Request sent → first audio, ms. */
  readonly firstAudioMs: Summary;
  /** Wall time ÷ audio seconds, per request. */
  readonly realTimeFactor: Summary;
  readonly audioSeconds: number;
  readonly wallSeconds: number;
}

export interface LongFormResult {
  readonly firstAudioMs: number | null;
  readonly totalMs: number;
  readonly audioSeconds: number;
  readonly realTimeFactor: number | null;
  readonly error: string | null;
}

export interface ConcurrencyResult {
  readonly clients: number;
  readonly seconds: number;
  readonly requests: number;
  readonly completed: number;
  readonly errors: number;
  /** Requests whose playback, started at their first audio, would have run dry. */
  readonly underruns: number;
  readonly firstAudioMs: Summary;
  /** Audio seconds received within the window ÷ window seconds. */
  readonly audioSecondsPerSecond: number | null;
  /** No errors, no underruns, p95 first audio under 100 ms. */
  readonly realtime: boolean;
  /** Server only: peak RSS during the window, MiB. */
  peakRssMiB?: number;
}

/** W1: one request per sentence, one after the other, on one connection. */
export async function runSequential(factory: SpeakerFactory, texts: readonly string[]): Promise<SequentialResult> {
  const speaker = await factory();
  const timings: RequestTiming[] = [];
  try {
    for (const text of texts) timings.push(await speaker.speak(text, performance.now() + REQUEST_TIMEOUT_MS));
  } finally {
    speaker.close();
  }
  const ok = timings.filter((timing) => timing.completed && timing.error === null);
  const audioSeconds = ok.reduce((sum, timing) => sum + timing.audioSeconds, 0);
  const wallSeconds = ok.reduce((sum, timing) => sum + timing.wallMs, 0) / 1000;
  return {
    requests: timings.length,
    errors: timings.length - ok.length,
    firstAudioMs: summarize(firstAudio(ok)),
    realTimeFactor: summarize(ok.filter((timing) => timing.audioSeconds > 0).map((timing) => timing.wallMs / 1000 / timing.audioSeconds)),
    audioSeconds: round(audioSeconds) ?? 0,
    wallSeconds: round(wallSeconds) ?? 0,
  };
}

/** W2: the whole text as one request. */
export async function runLongForm(factory: SpeakerFactory, text: string): Promise<LongFormResult> {
  const speaker = await factory();
  let timing: RequestTiming;
  try {
    timing = await speaker.speak(text, performance.now() + REQUEST_TIMEOUT_MS);
  } finally {
    speaker.close();
  }
  const failed = !timing.completed || timing.error !== null;
  return {
    firstAudioMs: round(timing.firstAudioMs),
    totalMs: round(timing.wallMs) ?? 0,
    audioSeconds: round(timing.audioSeconds) ?? 0,
    realTimeFactor: timing.audioSeconds > 0 ? round(timing.wallMs / 1000 / timing.audioSeconds) : null,
    error: failed ? (timing.error ?? 'incomplete') : null,
  };
}

/**
 * W3: `clients` connections, each asking for random sentences back to back until the window closes. All
 * connections are open before the window starts; requests still running when it closes count as audio
 * received so far and are abandoned (closing the socket cancels them on the server).
 */
export async function runConcurrent(
  factory: SpeakerFactory,
  texts: readonly string[],
  clients: number,
  seconds: number,
): Promise<ConcurrencyResult> {
  const speakers: Speaker[] = [];
  try {
    for (let index = 0; index < clients; index++) speakers.push(await factory());
  } catch (error) {
    for (const speaker of speakers) speaker.close();
    throw error;
  }
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const timings: RequestTiming[] = [];
  await Promise.all(
    speakers.map(async (speaker, index) => {
      const random = seededRandom(index + 1);
      while (performance.now() < deadline) {
        const text = texts[Math.floor(random() * texts.length)]!;
        const timing = await speaker.speak(text, deadline);
        timings.push(timing);
        if (timing.error !== null && !timing.completed && timing.error.startsWith('socket closed')) break;
      }
      speaker.close();
    }),
  );
  const elapsed = (Math.min(performance.now(), deadline) - start) / 1000;
  const errors = timings.filter((timing) => timing.error !== null).length;
  const underruns = timings.filter((timing) => timing.underrun).length;
  const firstAudioMs = summarize(firstAudio(timings));
  const audio = timings.reduce((sum, timing) => sum + timing.audioSeconds, 0);
  return {
    clients,
    seconds,
    requests: timings.length,
    completed: timings.filter((timing) => timing.completed).length,
    errors,
    underruns,
    firstAudioMs,
    audioSecondsPerSecond: elapsed > 0 ? round(audio / elapsed) : null,
    realtime: errors === 0 && underruns === 0 && firstAudioMs.p95 !== null && firstAudioMs.p95 < 100,
  };
}

function firstAudio(timings: readonly RequestTiming[]): number[] {
  return timings.flatMap((timing) => (timing.firstAudioMs === null ? [] : [timing.firstAudioMs]));
}
