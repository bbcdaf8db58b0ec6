/**
 * What one request uses to turn engine PCM into the bytes it sends: resample to the requested rate, then
 * encode as WAV sample data (optionally behind a streaming header) or as MP3 frames.
 */
import type { AudioFormat, SampleRate } from './formats.js';
import { bytesPerSample } from './formats.js';
import { countMpegFrames, mpegSamplesPerFrame } from './mp3-frames.js';
import { createMp3Encoder, type StreamMp3Encoder } from './mp3.js';
import { writePcm } from './pcm.js';
import { createResampler, type StreamResampler } from './resampler.js';
import { streamingWavHeader } from './wav.js';
import type { ContentType } from './container.js';

export interface EncodedStreamOptions {
  /** Rate of the PCM that will be pushed (the engine's). */
  readonly engineRate: number;
  readonly format: AudioFormat;
  /** 'streaming': a 44-byte WAV header before the first sample. Ignored for mp3. */
  readonly header: 'none' | 'streaming';
}

export interface EncodedStream {
  readonly contentType: ContentType;
  readonly sampleRate: SampleRate;
  /** Samples handed to the encoder so far, at the output rate. */
  readonly outputSamples: number;
  /**
   * Samples a decoder gets from all the bytes returned so far: behind `outputSamples` while the MP3 encoder
   * holds an incomplete frame; for MP3 it includes the decoder's start delay.
   */
  readonly emittedSamples: number;
  /** Encodes one chunk of mono Int16 PCM at the engine rate; the result may be empty. */
  push(samples: Int16Array): Uint8Array;
  /** Drains the resampler and the encoder; the stream is closed afterwards. */
  finish(): Uint8Array;
  /** Releases wasm memory of an abandoned stream (cancelled request); safe to call more than once. */
  dispose(): void;
}

export async function createEncodedStream(options: EncodedStreamOptions): Promise<EncodedStream> {
  const { format } = options;
  const resampler = await createResampler(options.engineRate, format.sampleRate);
  if (format.format === 'mp3') {
    try {
      return new Mp3Stream(resampler, format.sampleRate, await createMp3Encoder(format.sampleRate));
    } catch (error) {
      resampler.dispose();
      throw error;
    }
  }
  return new WavStream(resampler, format, options.header === 'streaming');
}

/** Shared life cycle: resample, count, refuse use after the end. */
abstract class ResampledStream implements EncodedStream {
  abstract readonly contentType: ContentType;
  outputSamples = 0;
  private closed = false;

  constructor(
    private readonly resampler: StreamResampler,
    readonly sampleRate: SampleRate,
  ) {}

  push(samples: Int16Array): Uint8Array {
    this.assertOpen();
    const resampled = this.resampler.process(samples);
    this.outputSamples += resampled.length;
    return this.encode(resampled);
  }

  finish(): Uint8Array {
    this.assertOpen();
    this.closed = true;
    const tail = this.resampler.flush();
    this.outputSamples += tail.length;
    return this.encodeLast(tail);
  }

  dispose(): void {
    this.closed = true;
    this.resampler.dispose();
    this.release();
  }

  abstract readonly emittedSamples: number;

  protected abstract encode(samples: Int16Array): Uint8Array;
  protected abstract encodeLast(samples: Int16Array): Uint8Array;
  protected abstract release(): void;

  private assertOpen(): void {
    if (this.closed) throw new Error('encoded stream used after finish() or dispose()');
  }
}

class WavStream extends ResampledStream {
  readonly contentType = 'audio/wav';
  private header: Buffer | undefined;
  private readonly width: number;

  constructor(
    resampler: StreamResampler,
    private readonly format: AudioFormat,
    withHeader: boolean,
  ) {
    super(resampler, format.sampleRate);
    this.width = bytesPerSample(format.precision);
    if (withHeader) this.header = streamingWavHeader(format.sampleRate, format.precision);
  }

  protected encode(samples: Int16Array): Uint8Array {
    // The header rides in the same allocation as the first samples, and goes out even with none.
    const prefix = this.header?.length ?? 0;
    const out = new Uint8Array(prefix + samples.length * this.width);
    if (this.header) {
      out.set(this.header);
      this.header = undefined;
    }
    writePcm(samples, this.format.precision, out, prefix);
    return out;
  }

  protected encodeLast(samples: Int16Array): Uint8Array {
    return this.encode(samples);
  }

  get emittedSamples(): number {
    return this.outputSamples;
  }

  protected release(): void {}
}

class Mp3Stream extends ResampledStream {
  readonly contentType = 'audio/mpeg';
  private frames = 0;

  constructor(
    resampler: StreamResampler,
    sampleRate: SampleRate,
    private readonly mp3: StreamMp3Encoder,
  ) {
    super(resampler, sampleRate);
  }

  get emittedSamples(): number {
    return this.frames * mpegSamplesPerFrame(this.sampleRate);
  }

  protected encode(samples: Int16Array): Uint8Array {
    return this.counted(samples.length === 0 ? new Uint8Array(0) : this.mp3.encode(samples));
  }

  private counted(bytes: Uint8Array): Uint8Array {
    this.frames += countMpegFrames(bytes);
    return bytes;
  }

  protected encodeLast(samples: Int16Array): Uint8Array {
    const body = this.encode(samples);
    const tail = this.counted(this.mp3.finish());
    if (body.length === 0) return tail;
    const out = new Uint8Array(body.length + tail.length);
    out.set(body);
    out.set(tail, body.length);
    return out;
  }

  protected release(): void {
    this.mp3.dispose();
  }
}
