/**
 * Streaming AAC-LC in ADTS from FFmpeg's native AAC encoder, compiled to wasm by @mediabunny/aac-encoder and
 * driven through mediabunny's ADTS muxer. The encoder runs in a worker thread of its own (one per stream,
 * started by the library), so encoding never runs on the event loop; this side only converts samples.
 *
 * Frames are collected as the muxer completes them, so every result is whole ADTS frames. ADTS cannot carry
 * the encoder's priming, so decoded audio starts AAC_START_DELAY_SAMPLES late.
 */
import { registerAacEncoder } from '@mediabunny/aac-encoder';
import { AdtsOutputFormat, AudioSample, AudioSampleSource, NullTarget, Output } from 'mediabunny';
import { concatBytes, EMPTY_BYTES, SerialQueue, type StreamAudioEncoder } from './stream-encoder.js';

/** Sample rates ADTS can signal (its sampling_frequency_index table, ISO 14496-3 1.6.3.4). */
export const AAC_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Samples per AAC-LC frame. */
export const AAC_FRAME_SAMPLES = 1024;
/** FFmpeg's AAC encoder primes with one frame (1,024 samples) that a decoder of raw ADTS cannot trim. */
export const AAC_START_DELAY_SAMPLES = AAC_FRAME_SAMPLES;
/**
 * How long encode() waits at most for the worker to hand back the frames its input completes. The wait
 * normally ends when the last of them arrives (a few milliseconds); the bound only keeps a stream moving if
 * the encoder ever holds more than its one frame of delay.
 */
const FRAME_WAIT_MS = 1000;

/** Mono speech: below 48 kbit/s FFmpeg's encoder narrows the band audibly; 8 kHz cannot use more than 32. */
export function aacBitrate(sampleRate: number): number {
  return sampleRate <= 8000 ? 32000 : sampleRate <= 16000 ? 48000 : 64000;
}

let registered = false;

export async function createAacEncoder(sampleRate: number): Promise<AacStreamEncoder> {
  if (!AAC_SAMPLE_RATES.includes(sampleRate)) throw new RangeError(`AAC in ADTS cannot carry ${sampleRate} Hz`);
  if (!registered) {
    registerAacEncoder();
    registered = true;
  }
  const encoder = new AacStreamEncoder(sampleRate);
  try {
    await encoder.start();
  } catch (error) {
    encoder.dispose();
    throw error;
  }
  return encoder;
}

export class AacStreamEncoder implements StreamAudioEncoder {
  readonly format = 'aac';
  readonly contentType = 'audio/aac';
  private frames: Uint8Array[] = [];
  /** ADTS frames the muxer has completed, and the wake-up of an encode() waiting for more. */
  private framesOut = 0;
  private wake: (() => void) | undefined;
  private readonly output: Output;
  private readonly source: AudioSampleSource;
  private samples = 0;
  private closed = false;
  private readonly queue = new SerialQueue();

  constructor(readonly sampleRate: number) {
    const format = new AdtsOutputFormat({
      onFrame: (frame) => {
        this.frames.push(frame.slice());
        this.framesOut += 1;
        this.wake?.();
      },
    });
    this.output = new Output({ format, target: new NullTarget() });
    this.source = new AudioSampleSource({ codec: 'aac', bitrate: aacBitrate(sampleRate) });
    this.output.addAudioTrack(this.source);
  }

  start(): Promise<void> {
    return this.output.start();
  }

  encode(samples: Int16Array): Promise<Uint8Array> {
    this.assertOpen();
    if (samples.length === 0) return Promise.resolve(EMPTY_BYTES);
    // mediabunny keeps the sample's data until the worker has it, so each call gets its own floats.
    const data = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) data[i] = (samples[i] as number) / 32768;
    const timestamp = this.samples / this.sampleRate;
    this.samples += samples.length;
    return this.queue.run(async () => {
      const sample = new AudioSample({ data, format: 'f32', numberOfChannels: 1, sampleRate: this.sampleRate, timestamp });
      try {
        await this.source.add(sample);
      } finally {
        sample.close();
      }
      // add() resolves once the encoder takes more input, before the worker has answered: wait for the
      // frames this input completes (all whole frames but the one the encoder holds back), so that they
      // leave with this call rather than the next.
      await this.framesReach(Math.floor(this.samples / AAC_FRAME_SAMPLES) - 1);
      return this.take();
    });
  }

  private async framesReach(count: number): Promise<void> {
    if (this.framesOut >= count) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, FRAME_WAIT_MS);
      const wake = (): void => {
        if (this.framesOut >= count) done();
      };
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = wake;
    });
    this.wake = undefined;
  }

  flush(): Promise<Uint8Array> {
    this.assertOpen();
    this.closed = true;
    return this.queue.run(async () => {
      // ADTS has no file header: a stream that got no samples is no bytes (mediabunny refuses to finalize it).
      if (this.samples === 0) {
        await this.output.cancel();
        return EMPTY_BYTES;
      }
      await this.output.finalize();
      return this.take();
    });
  }

  dispose(): void {
    this.closed = true;
    const state = this.output.state;
    // Cancelling also ends the encoder's worker thread; a finalized output has ended it already.
    // An abandoned stream has no one left to tell of a failure to cancel; it must not become an unhandled rejection.
    if (state !== 'finalized' && state !== 'canceled') this.output.cancel().catch(() => undefined);
  }

  private take(): Uint8Array {
    if (this.frames.length === 0) return EMPTY_BYTES;
    const out = concatBytes(this.frames);
    this.frames = [];
    return out;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('aac encoder used after flush() or dispose()');
  }
}
