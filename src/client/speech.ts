/**
 * One request's answer. The connection feeds a SpeechFeed (frames in, the request's own queue of chunks); its
 * caller holds a Speech: an async iterator of audio chunks that ends on `audio_end` and throws the request's
 * error, and `done`, which settles at the same moment with the request's summary. Chunks wait in the request's
 * queue until the caller takes them, so consuming requests in any interleaving keeps each one's bytes and
 * timestamps apart.
 */
import type { AudioTimestamps, OutputFormat, Precision, RequestId } from '../protocol/wire.js';
import { bytesPerSample, decodeSamples, WAV_HEADER_BYTES } from './pcm.js';

export interface AudioChunk {
  readonly requestId: RequestId;
  /** The bytes as the server sent them: joined, a request's chunks give its whole stream (header included). */
  readonly audio: Uint8Array;
  /** JSON mode only (absent with `binary_response`). */
  readonly timestamps?: AudioTimestamps;
  readonly sampleRate: number;
  /** WAV only: where this chunk's audio starts in the request, and how long it lasts, in seconds. */
  readonly startSeconds?: number;
  readonly durationSeconds?: number;
  /** WAV only: this chunk's samples as floats in [-1, 1) (the WAV header, if any, left out). */
  samples(): Float32Array<ArrayBuffer>;
}

export interface SpeechResult {
  readonly requestId: RequestId;
  /** True when the request ended because it was cancelled (protocol.md section 7). */
  readonly cancelled: boolean;
  readonly chunks: number;
  readonly bytes: number;
  /** WAV only: seconds of audio received. */
  readonly audioSeconds?: number;
  /** From sending the request to its first audio bytes (undefined when none came). */
  readonly firstAudioMs?: number;
  /** From sending the request to its end. */
  readonly totalMs: number;
}

/** What the connection tells a request. */
interface SpeechSink {
  sent(): void;
  /** A JSON audio frame (base64 already decoded) or a binary frame. */
  audio(bytes: Uint8Array, timestamps: AudioTimestamps | undefined, sampleRate: number): void;
  finish(cancelled: boolean): void;
  fail(error: Error): void;
  /** Whether any frame of the answer has arrived (a request that has none can be sent again elsewhere). */
  readonly started: boolean;
  readonly settled: boolean;
}

export interface AudioShape {
  readonly format: OutputFormat;
  readonly precision: Precision;
  readonly sampleRate: number;
  /** Whether the first chunk starts with the 44-byte WAV header. */
  readonly header: boolean;
}

type Waiter = { resolve: (result: IteratorResult<AudioChunk>) => void; reject: (error: unknown) => void };

/** The connection's side of a request: frames in, chunks queued for the caller's Speech. */
export class SpeechFeed implements SpeechSink {
  /** Settles with the summary on `audio_end`, rejects with the request's error. */
  readonly done: Promise<SpeechResult>;
  private readonly chunks: AudioChunk[] = [];
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  private ended = false;
  private resolveDone!: (result: SpeechResult) => void;
  private rejectDone!: (error: Error) => void;
  private sentAt: number | undefined;
  private firstAudioAt: number | undefined;
  private received = 0;
  private byteCount = 0;
  private pcmBytes = 0;

  constructor(
    readonly requestId: RequestId,
    private readonly shape: AudioShape,
    private readonly onCancel: () => void,
  ) {
    this.done = new Promise<SpeechResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A caller that only iterates must not see an unhandled rejection: the iterator throws the same error.
    this.done.catch(() => undefined);
  }

  /** The sample rate the request asked for. */
  get sampleRate(): number {
    return this.shape.sampleRate;
  }

  get started(): boolean {
    return this.received > 0;
  }

  get settled(): boolean {
    return this.ended || this.failure !== undefined;
  }

  cancel(): void {
    if (!this.settled) this.onCancel();
  }

  sent(): void {
    this.sentAt ??= performance.now();
  }

  audio(bytes: Uint8Array, timestamps: AudioTimestamps | undefined, sampleRate: number): void {
    if (this.settled) return;
    if (this.firstAudioAt === undefined && bytes.byteLength > 0) this.firstAudioAt = performance.now();
    const first = this.received === 0;
    this.received += 1;
    this.byteCount += bytes.byteLength;
    const skip = first && this.shape.header && this.shape.format === 'wav' ? WAV_HEADER_BYTES : 0;
    const chunk = this.shape.format === 'wav' ? this.wavChunk(bytes, skip, timestamps, sampleRate) : this.encodedChunk(bytes, timestamps, sampleRate);
    this.push(chunk);
  }

  finish(cancelled: boolean): void {
    if (this.settled) return;
    this.ended = true;
    const now = performance.now();
    const since = (at: number | undefined): number | undefined => (at === undefined || this.sentAt === undefined ? undefined : at - this.sentAt);
    const firstAudioMs = since(this.firstAudioAt);
    const audioSeconds = this.shape.format === 'wav' ? this.pcmBytes / bytesPerSample(this.shape.precision) / this.shape.sampleRate : undefined;
    this.resolveDone({
      requestId: this.requestId,
      cancelled,
      chunks: this.received,
      bytes: this.byteCount,
      totalMs: since(now) ?? 0,
      ...(audioSeconds === undefined ? {} : { audioSeconds }),
      ...(firstAudioMs === undefined ? {} : { firstAudioMs }),
    });
    this.wake();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.failure = error;
    this.rejectDone(error);
    this.wake();
  }

  iterator(): AsyncIterator<AudioChunk> {
    return {
      next: () => {
        const chunk = this.chunks.shift();
        if (chunk !== undefined) return Promise.resolve({ value: chunk, done: false });
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<AudioChunk>>((resolve, reject) => (this.waiter = { resolve, reject }));
      },
      // Leaving a for-await early stops the request: nobody will read the rest.
      return: () => {
        this.cancel();
        this.chunks.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private wavChunk(bytes: Uint8Array, skip: number, timestamps: AudioTimestamps | undefined, sampleRate: number): AudioChunk {
    const { precision } = this.shape;
    const pcm = bytes.subarray(skip);
    const perSecond = bytesPerSample(precision) * this.shape.sampleRate;
    const startSeconds = this.pcmBytes / perSecond;
    this.pcmBytes += pcm.byteLength;
    return {
      requestId: this.requestId,
      audio: bytes,
      sampleRate,
      startSeconds,
      durationSeconds: pcm.byteLength / perSecond,
      ...(timestamps === undefined ? {} : { timestamps }),
      samples: () => decodeSamples(pcm, precision),
    };
  }

  private encodedChunk(bytes: Uint8Array, timestamps: AudioTimestamps | undefined, sampleRate: number): AudioChunk {
    return {
      requestId: this.requestId,
      audio: bytes,
      sampleRate,
      ...(timestamps === undefined ? {} : { timestamps }),
      samples: () => {
        throw new Error(`samples() decodes WAV audio; this request asked for ${this.shape.format}`);
      },
    };
  }

  private push(chunk: AudioChunk): void {
    const waiter = this.waiter;
    if (waiter === undefined) {
      this.chunks.push(chunk);
      return;
    }
    this.waiter = undefined;
    waiter.resolve({ value: chunk, done: false });
  }

  private wake(): void {
    const waiter = this.waiter;
    if (waiter === undefined || this.chunks.length > 0) return;
    this.waiter = undefined;
    if (this.failure !== undefined) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }
}

/** A request as its caller holds it: iterate its chunks, await `done`, or cancel it. */
export class Speech implements AsyncIterable<AudioChunk> {
  /** Settles with the summary on `audio_end`, rejects with the request's error. */
  readonly done: Promise<SpeechResult>;
  readonly #feed: SpeechFeed;

  constructor(feed: SpeechFeed) {
    this.#feed = feed;
    this.done = feed.done;
  }

  get requestId(): RequestId {
    return this.#feed.requestId;
  }

  /** The sample rate the request asked for. */
  get sampleRate(): number {
    return this.#feed.sampleRate;
  }

  /** Whether any of the answer has arrived (a request with none is sent again after a reconnect). */
  get started(): boolean {
    return this.#feed.started;
  }

  /** Stops the request, queued or running (protocol.md section 7); it ends with `cancelled: true`. */
  cancel(): void {
    this.#feed.cancel();
  }

  /** The chunks in order; leaving the loop early cancels the request. */
  [Symbol.asyncIterator](): AsyncIterator<AudioChunk> {
    return this.#feed.iterator();
  }
}
