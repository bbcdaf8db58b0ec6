/**
 * Streaming mono CBR MP3 (LAME via wasm-media-encoders). Output is whole MPEG frames only; `finish()`
 * flushes LAME so each request's MP3 ends cleanly and the MP3 of consecutive requests can be fed to one
 * decoder. The build writes neither an ID3 tag nor a Xing/Info frame.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import type { SampleRate } from './formats.js';
import { MpegFrameAssembler } from './mp3-frames.js';
import { SlicedEncoder } from './stream-encoder.js';

type LameEncoder = WasmMediaEncoder<'audio/mpeg'>;
type CbrKbps = 32 | 48 | 64 | 96 | 128;
/** The contract's rates, and 24 kHz: OpenAI's speech endpoint answers at 24 kHz (MPEG-2 Layer III has it). */
export type Mp3Rate = SampleRate | 24000;

/** Mono speech: enough bits that LAME does not low-pass below the rate's own Nyquist band much. */
const KBPS_BY_RATE: Readonly<Record<Mp3Rate, CbrKbps>> = {
  8000: 32,
  16000: 48,
  22050: 64,
  24000: 64,
  32000: 96,
  44100: 128,
  48000: 128,
};

/**
 * Decoded MP3 starts this many samples late (LAME's 576-sample encoder delay plus the standard 529-sample
 * decoder delay): without a LAME tag a decoder cannot trim it, so alignment against the MP3 shifts by it.
 */
export const MP3_START_DELAY_SAMPLES = 1105;

export function mp3Bitrate(sampleRate: Mp3Rate): CbrKbps {
  return KBPS_BY_RATE[sampleRate];
}

export interface StreamMp3Encoder {
  readonly sampleRate: Mp3Rate;
  /** Encodes a chunk; returns the frames completed so far (possibly none). */
  encode(samples: Int16Array): Uint8Array;
  /** Flushes LAME and returns the remaining frames; the encoder goes back to the pool. */
  finish(): Uint8Array;
  /** Abandons the stream (no flush); safe to call more than once and after finish(). */
  dispose(): void;
}

/** Idle LAME instances: each owns its wasm memory, so reuse beats instantiating one per request. */
const idle: LameEncoder[] = [];
const MAX_IDLE = 4;
let compiled: Promise<WebAssembly.Module> | undefined;

async function acquire(): Promise<LameEncoder> {
  const reused = idle.pop();
  if (reused) return reused;
  compiled ??= compileLame();
  return createEncoder('audio/mpeg', await compiled);
}

function release(encoder: LameEncoder): void {
  if (idle.length < MAX_IDLE) idle.push(encoder);
}

async function compileLame(): Promise<WebAssembly.Module> {
  // The package's "./wasm/mp3.wasm" export is misspelt upstream; "./wasm/mp3" points at the same file.
  const path = createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3');
  return WebAssembly.compile(await readFile(path));
}

export async function createMp3Encoder(sampleRate: Mp3Rate): Promise<StreamMp3Encoder> {
  const lame = await acquire();
  // configure() resets whatever state a pooled instance carried from its previous request.
  lame.configure({ channels: 1, sampleRate, outputSampleRate: sampleRate, bitrate: mp3Bitrate(sampleRate) });
  return new LameStream(lame, sampleRate);
}

class LameStream implements StreamMp3Encoder {
  private lame: LameEncoder | undefined;
  private readonly frames = new MpegFrameAssembler();
  private scratch = new Float32Array(4096);

  constructor(lame: LameEncoder, readonly sampleRate: Mp3Rate) {
    this.lame = lame;
  }

  encode(samples: Int16Array): Uint8Array {
    const lame = this.active();
    if (samples.length > this.scratch.length) this.scratch = new Float32Array(samples.length * 2);
    const floats = this.scratch.subarray(0, samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = (samples[i] as number) / 32768;
    // LAME's output view lives in its wasm memory; the assembler copies it before the next call.
    return this.frames.push(lame.encode([floats]));
  }

  finish(): Uint8Array {
    const out = this.frames.push(this.active().finalize());
    this.dispose();
    if (this.frames.buffered !== 0) {
      throw new Error(`MP3 encoder left ${this.frames.buffered} bytes of an incomplete frame at finish`);
    }
    return out;
  }

  dispose(): void {
    if (!this.lame) return;
    release(this.lame);
    this.lame = undefined;
  }

  private active(): LameEncoder {
    if (!this.lame) throw new Error('MP3 encoder used after finish() or dispose()');
    return this.lame;
  }
}

export function isMp3Rate(sampleRate: number): sampleRate is Mp3Rate {
  return sampleRate in KBPS_BY_RATE;
}

/** MP3 in the stream-encoder shape (OpenAI's `mp3`): the same LAME stream, its calls sliced and queued. */
export async function createMp3StreamEncoder(sampleRate: number): Promise<Mp3StreamEncoder> {
  if (!isMp3Rate(sampleRate)) throw new RangeError(`MP3 at ${sampleRate} Hz is not offered`);
  return new Mp3StreamEncoder(await createMp3Encoder(sampleRate));
}

export class Mp3StreamEncoder extends SlicedEncoder {
  readonly format = 'mp3';
  readonly contentType = 'audio/mpeg';

  constructor(private readonly lame: StreamMp3Encoder) {
    super(lame.sampleRate);
  }

  protected encodeSlice(samples: Int16Array): Uint8Array {
    return this.lame.encode(samples);
  }

  protected encodeEnd(): Uint8Array {
    return this.lame.finish();
  }

  protected release(): void {
    this.lame.dispose();
  }
}
