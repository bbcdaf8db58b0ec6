/**
 * Playback of a stream as it arrives. WAV: each chunk's samples become an AudioBuffer scheduled to start
 * exactly where the previous one ends, on an AudioContext at the request's own rate (no resampling, and no
 * gap between chunks that arrive in time; a chunk that arrives after its predecessor finished starts at once,
 * and the gap is remembered so the highlight stays on the audio). MP3: the chunks feed a MediaSource.
 */

/** How far ahead of now the first chunk is scheduled, so the second can be queued behind it in time. */
const START_LEAD_SECONDS = 0.1;

export interface Player {
  /** Seconds of the request's audio heard so far. */
  position(): number;
  /** Resolves once everything given has been played (after end()). */
  finished(): Promise<void>;
  /** No more audio follows. */
  end(): void;
  stop(): void;
}

export class PcmPlayer implements Player {
  readonly context: AudioContext;
  /** Samples handed to the audio graph, and samples whose source finished playing (the page's test hook). */
  scheduledSamples = 0;
  playedSamples = 0;
  /** Seconds of silence that late chunks caused. */
  gapSeconds = 0;
  private startAt: number | undefined;
  private next = 0;
  private playing = 0;
  private ended = false;
  private readonly sources = new Set<AudioBufferSourceNode>();
  private resolveFinished!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  constructor(sampleRate: number) {
    this.context = new AudioContext({ sampleRate, latencyHint: 'interactive' });
  }

  schedule(samples: Float32Array<ArrayBuffer>): void {
    if (samples.length === 0) return;
    const buffer = this.context.createBuffer(1, samples.length, this.context.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    const now = this.context.currentTime;
    if (this.startAt === undefined) this.next = this.startAt = now + START_LEAD_SECONDS;
    if (this.next < now) {
      this.gapSeconds += now - this.next;
      this.next = now;
    }
    source.start(this.next);
    this.next += buffer.duration;
    this.scheduledSamples += samples.length;
    this.playing += 1;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      this.playing -= 1;
      this.playedSamples += samples.length;
      this.settle();
    };
  }

  position(): number {
    return this.startAt === undefined ? 0 : Math.max(0, this.context.currentTime - this.startAt - this.gapSeconds);
  }

  end(): void {
    this.ended = true;
    this.settle();
  }

  finished(): Promise<void> {
    return this.done;
  }

  stop(): void {
    for (const source of this.sources) source.stop();
    this.ended = true;
    void this.context.close();
    this.resolveFinished();
  }

  private settle(): void {
    if (this.ended && this.playing === 0) this.resolveFinished();
  }
}

export class Mp3Player implements Player {
  private readonly audio = new Audio();
  private readonly media = new MediaSource();
  private buffer: SourceBuffer | undefined;
  private readonly queue: Uint8Array<ArrayBuffer>[] = [];
  private ending = false;
  private started = false;
  private readonly done: Promise<void>;

  static supported(): boolean {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported('audio/mpeg');
  }

  constructor() {
    this.audio.src = URL.createObjectURL(this.media);
    this.done = new Promise<void>((resolve) => {
      this.audio.addEventListener('ended', () => resolve(), { once: true });
      this.audio.addEventListener('emptied', () => resolve(), { once: true });
    });
    this.media.addEventListener(
      'sourceopen',
      () => {
        this.buffer = this.media.addSourceBuffer('audio/mpeg');
        this.buffer.mode = 'sequence';
        this.buffer.addEventListener('updateend', () => this.pump());
        this.pump();
      },
      { once: true },
    );
  }

  /** Seconds of audio in the stream (known once it has ended). */
  get duration(): number {
    return Number.isFinite(this.audio.duration) ? this.audio.duration : 0;
  }

  append(bytes: Uint8Array): void {
    this.queue.push(new Uint8Array(bytes));
    this.pump();
    if (!this.started) {
      this.started = true;
      void this.audio.play().catch(() => undefined);
    }
  }

  position(): number {
    return this.audio.currentTime;
  }

  end(): void {
    this.ending = true;
    this.pump();
  }

  finished(): Promise<void> {
    return this.done;
  }

  stop(): void {
    this.audio.pause();
    URL.revokeObjectURL(this.audio.src);
    this.audio.removeAttribute('src');
    this.audio.load();
  }

  private pump(): void {
    if (this.buffer === undefined || this.buffer.updating) return;
    const next = this.queue.shift();
    if (next !== undefined) this.buffer.appendBuffer(next);
    else if (this.ending && this.media.readyState === 'open') this.media.endOfStream();
  }
}
