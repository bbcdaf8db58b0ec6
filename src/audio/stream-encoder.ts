/**
 * The shape every container encoder of OpenAI's response formats has (MP3, Ogg Opus, ADTS AAC, FLAC, WAV,
 * raw PCM): mono Int16 PCM at the encoder's own rate goes in, bytes of whole pages or frames come out as soon as
 * the codec has them, and `flush()` ends the stream. Each stream is a complete file on its own.
 *
 * Calls are asynchronous so that no call keeps the event loop for long: the in-process (wasm) encoders cut
 * a large chunk into slices and yield between them, the AAC encoder works in a thread of its own.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

export const STREAM_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export interface StreamAudioEncoder {
  readonly format: StreamFormat;
  readonly contentType: string;
  /** Rate of the PCM that `encode()` takes. */
  readonly sampleRate: number;
  /** Encodes one chunk; resolves to the bytes completed so far (whole pages or frames), possibly none. */
  encode(samples: Int16Array): Promise<Uint8Array>;
  /** Drains the codec and resolves to the end of the stream; the encoder is closed afterwards. */
  flush(): Promise<Uint8Array>;
  /** Abandons the stream and frees its codec; safe to call more than once and after flush(). */
  dispose(): void;
}

export async function createStreamEncoder(format: StreamFormat, sampleRate: number): Promise<StreamAudioEncoder> {
  // Each codec's library is loaded the first time its format is asked for, unless warmStreamEncoders() ran.
  switch (format) {
    case 'mp3':
      return (await import('./mp3.js')).createMp3StreamEncoder(sampleRate);
    case 'opus':
      return (await import('./opus.js')).createOpusEncoder(sampleRate);
    case 'aac':
      return (await import('./aac.js')).createAacEncoder(sampleRate);
    case 'flac':
      return (await import('./flac.js')).createFlacEncoder(sampleRate);
    case 'wav':
    case 'pcm':
      return (await import('./pcm-stream.js')).createPcmStreamEncoder(format, sampleRate);
  }
}

/**
 * Loads every codec's library ahead of its first request: importing mediabunny and its AAC encoder takes
 * most of a second, Opus's about a tenth, and a server that serves these formats should not make its first
 * caller of each wait for that.
 */
export async function warmStreamEncoders(): Promise<void> {
  await Promise.all([import('./mp3.js'), import('./opus.js'), import('./aac.js'), import('./flac.js'), import('./pcm-stream.js')]);
}

export const EMPTY_BYTES = new Uint8Array(0);

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Runs asynchronous work one call after another, in the order of the calls, whether or not the caller awaits. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Seconds of audio one synchronous slice encodes before the event loop gets a turn. The slowest
 * in-process codec (Opus) ran 17–56x real time in `npm run bench:encoders` on this project's 2-core
 * machines (17x with a load average of 24), so a slice costs at most about 15 ms of CPU; a push of
 * minutes of audio never holds the loop for long.
 */
const SLICE_SECONDS = 0.25;

/**
 * Base of the encoders whose codec runs synchronously on this thread: slices large chunks, yields between
 * slices, runs calls in the order they were made, and refuses use after the end.
 */
export abstract class SlicedEncoder implements StreamAudioEncoder {
  abstract readonly format: StreamFormat;
  abstract readonly contentType: string;
  private readonly sliceSamples: number;
  private readonly queue = new SerialQueue();
  /** No more calls are taken (flush() or dispose() was called). */
  private closed = false;
  /** The codec is freed: queued work that has not run yet fails instead of touching freed memory. */
  private disposed = false;

  constructor(readonly sampleRate: number) {
    this.sliceSamples = Math.max(1, Math.round(sampleRate * SLICE_SECONDS));
  }

  encode(samples: Int16Array): Promise<Uint8Array> {
    this.assertOpen();
    return this.queue.run(async () => {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < samples.length; at += this.sliceSamples) {
        if (at > 0) await yieldToEventLoop();
        this.assertLive();
        parts.push(this.encodeSlice(samples.subarray(at, at + this.sliceSamples)));
      }
      return parts.length === 0 ? EMPTY_BYTES : concatBytes(parts);
    });
  }

  flush(): Promise<Uint8Array> {
    this.assertOpen();
    this.closed = true;
    return this.queue.run(async () => {
      try {
        this.assertLive();
        return this.encodeEnd();
      } finally {
        this.dispose();
      }
    });
  }

  dispose(): void {
    this.closed = true;
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  /** Encodes at most one slice: the codec's own work, synchronous. */
  protected abstract encodeSlice(samples: Int16Array): Uint8Array;
  /** Pads and drains the codec: the stream's last bytes. */
  protected abstract encodeEnd(): Uint8Array;
  /** Frees the codec's wasm memory. */
  protected abstract release(): void;

  private assertLive(): void {
    if (this.disposed) throw new Error(`${this.format} encoder disposed before its work ran`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.format} encoder used after flush() or dispose()`);
  }
}
