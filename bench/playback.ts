/**
 * What a listener experiences of one request, recorded the same way for the server (audio frames on a
 * socket) and for the raw engine (chunks from the pool): time to first audio, and whether playback that
 * starts with the first audio would ever run dry.
 */

/**
 * A player's jitter allowance: a chunk may arrive this late against its playback time before it counts as
 * an underrun. Without it, a first frame of a few samples would make every stream "underrun" by design.
 */
export const UNDERRUN_SLACK_MS = 20;

export interface RequestTiming {
  /** Request sent → first audio bytes; null when no audio arrived. */
  readonly firstAudioMs: number | null;
  /** Request sent → end of the request (or of the measurement window). */
  readonly wallMs: number;
  readonly audioSeconds: number;
  readonly underrun: boolean;
  /** The request ended (audio_end or engine end) within the measurement window. */
  readonly completed: boolean;
  readonly error: string | null;
}

export class PlaybackTracker {
  private firstAt: number | undefined;
  private seconds = 0;
  private late = false;

  constructor(private readonly sentAt: number = performance.now()) {}

  /** Records a piece of audio that arrived now. */
  audio(seconds: number, now: number = performance.now()): void {
    if (seconds <= 0) return;
    if (this.firstAt === undefined) this.firstAt = now;
    else if (now > this.firstAt + this.seconds * 1000 + UNDERRUN_SLACK_MS) this.late = true;
    this.seconds += seconds;
  }

  get audioSeconds(): number {
    return this.seconds;
  }

  finish(completed: boolean, error: string | null = null, now: number = performance.now()): RequestTiming {
    return {
      firstAudioMs: this.firstAt === undefined ? null : this.firstAt - this.sentAt,
      wallMs: now - this.sentAt,
      audioSeconds: this.seconds,
      underrun: this.late,
      completed,
      error,
    };
  }
}
