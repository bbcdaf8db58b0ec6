/**
 * The workloads of issue 6, each written once and run against any Speaker: W1 agent turns and W2 long form
 * (sequential), W3 concurrency, back to back or paced like voice agents. Every loop is bounded by a count
 * (W1, W2) or by a deadline (W3).
 */
import type { CpuSeconds } from './cpu.js';
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
  /** Request sent → end of the request, ms. */
  readonly totalMs: Summary;
  /** Wall time ÷ audio seconds, per request. */
  readonly realTimeFactor: Summary;
  readonly audioSeconds: number;
  readonly wallSeconds: number;
}

/**
 * A voice agent's rhythm: it speaks a reply, lets it play out, then listens and thinks before the next one.
 * Without it, W3 clients ask again the moment a request ends and measure a saturated queue, not how many
 * agents fit.
 */
export interface Pacing {
  /** Pause after the received audio would have finished playing (playback starts at first audio), ms. */
  readonly thinkMs: number;
  /**
   * Each client's first request is sent at a random point within this many ms of the window's start. One
   * mean turn (audio + think) spreads arrivals as they are in steady state, so the window opens on the
   * steady load rather than on every client asking at once.
   */
  readonly staggerMs: number;
}

export interface ConcurrencyResult {
  readonly clients: number;
  /** Set for the paced variant: the think time after each turn's playback, ms. */
  readonly thinkMs?: number;
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
  /** CPU seconds per audio second produced, by part (see cpu.ts). */
  cpuPerAudioSecond?: CpuSeconds;
  /** Server only: RSS just before the level and its peak during the window, MiB. */
  rssBeforeMiB?: number;
  peakRssMiB?: number;
}

/**
 * W1 and W2: each text as one request, one after the other, each target on its own connection. With more
 * than one target, every text goes to each target in turn, so that the machine's background load (which
 * drifts) falls on all of them alike.
 */
export async function runSequential(factories: readonly SpeakerFactory[], texts: readonly string[], passes = 1): Promise<SequentialResult[]> {
  const speakers: Speaker[] = [];
  const timings: RequestTiming[][] = factories.map(() => []);
  try {
    for (const factory of factories) speakers.push(await factory());
    for (let pass = 0; pass < passes; pass++) {
      for (const text of texts) {
        for (const [index, speaker] of speakers.entries()) timings[index]!.push(await speaker.speak(text, performance.now() + REQUEST_TIMEOUT_MS));
      }
    }
  } finally {
    for (const speaker of speakers) speaker.close();
  }
  return timings.map(sequentialResult);
}

function sequentialResult(timings: readonly RequestTiming[]): SequentialResult {
  const ok = timings.filter((timing) => timing.completed && timing.error === null);
  const audioSeconds = ok.reduce((sum, timing) => sum + timing.audioSeconds, 0);
  const wallSeconds = ok.reduce((sum, timing) => sum + timing.wallMs, 0) / 1000;
  return {
    requests: timings.length,
    errors: timings.length - ok.length,
    firstAudioMs: summarize(firstAudio(ok)),
    totalMs: summarize(ok.map((timing) => timing.wallMs)),
    realTimeFactor: summarize(ok.filter((timing) => timing.audioSeconds > 0).map((timing) => timing.wallMs / 1000 / timing.audioSeconds)),
    audioSeconds: round(audioSeconds) ?? 0,
    wallSeconds: round(wallSeconds) ?? 0,
  };
}

/**
 * W3: `clients` connections, each asking for random sentences until the window closes: back to back, or
 * with `pacing` as a voice agent would. All connections are open before the window starts; requests still
 * running when it closes count as audio received so far and are abandoned (closing the socket cancels them
 * on the server).
 */
export async function runConcurrent(
  factory: SpeakerFactory,
  texts: readonly string[],
  clients: number,
  seconds: number,
  pacing?: Pacing,
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
      // Its own sequence, so that pacing does not change which sentences a client asks for.
      let asking = pacing === undefined || (await sleepUntil(start + seededRandom(STAGGER_SEED + index)() * pacing.staggerMs, deadline));
      while (asking && performance.now() < deadline) {
        const text = texts[Math.floor(random() * texts.length)]!;
        const sentAt = performance.now();
        const timing = await speaker.speak(text, deadline);
        timings.push(timing);
        if (timing.error !== null && !timing.completed && timing.error.startsWith('socket closed')) break;
        if (pacing) asking = await sleepUntil(playbackEnd(sentAt, timing) + pacing.thinkMs, deadline);
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
    ...(pacing ? { thinkMs: pacing.thinkMs } : {}),
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

const STAGGER_SEED = 0x5eed_0000;

/** When the listener hears the last of a request: playback starts at first audio and never pauses. */
function playbackEnd(sentAt: number, timing: RequestTiming): number {
  if (timing.firstAudioMs === null) return performance.now();
  return Math.max(performance.now(), sentAt + timing.firstAudioMs + timing.audioSeconds * 1000);
}

/**
 * Waits until `at` (performance.now() time) and says true, or until `deadline` if that comes first and says
 * false: a timer may fire a fraction of a millisecond early, which must not pass for time left to ask.
 */
async function sleepUntil(at: number, deadline: number): Promise<boolean> {
  const wait = Math.min(at, deadline) - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return at < deadline;
}

function firstAudio(timings: readonly RequestTiming[]): number[] {
  return timings.flatMap((timing) => (timing.firstAudioMs === null ? [] : [timing.firstAudioMs]));
}
