/**
 * Streaming FLAC from libFLAC (libflacjs's asm.js build: its wasm build's loader calls fetch() on a file path
 * under Node 20 and fails), 16-bit mono at any rate. libFLAC hands each metadata
 * block and each frame to the write callback whole, so every encode() returns whole frames only.
 *
 * The stream cannot be rewound, so STREAMINFO keeps "unknown" for the total sample count and the MD5
 * (libFLAC's final STREAMINFO goes to the metadata callback, which is not given): decoders treat that as a
 * live stream and play every frame.
 */
import { createRequire } from 'node:module';
import type { Flac } from 'libflacjs';
import { concatBytes, EMPTY_BYTES, SlicedEncoder } from './stream-encoder.js';

/** libFLAC's default level: within a few percent of level 8 on speech, several times faster. */
const COMPRESSION_LEVEL = 5;
const BITS_PER_SAMPLE = 16;

let library: Promise<Flac> | undefined;

/** The library is loaded once per process and shared by every encoder. */
function loadFlac(): Promise<Flac> {
  library ??= new Promise<Flac>((resolve) => {
    const flac = (createRequire(import.meta.url)('libflacjs') as (variant: string) => Flac)('release');
    if (flac.isReady()) resolve(flac);
    else flac.on('ready', () => resolve(flac));
  });
  return library;
}

/**
 * Samples per frame: the largest power of two within 100 ms, so that a client waits at most that long for
 * a frame (2,048 at 24 kHz, 85 ms) while frames stay long enough for the predictor to pay off.
 */
export function flacBlockSize(sampleRate: number): number {
  return 2 ** Math.floor(Math.log2(sampleRate / 10));
}

export async function createFlacEncoder(sampleRate: number): Promise<FlacStreamEncoder> {
  return new FlacStreamEncoder(await loadFlac(), sampleRate);
}

export class FlacStreamEncoder extends SlicedEncoder {
  readonly format = 'flac';
  readonly contentType = 'audio/flac';
  private readonly encoder: number;
  private written: Uint8Array[] = [];
  private scratch = new Int32Array(4096);

  constructor(
    private readonly flac: Flac,
    sampleRate: number,
  ) {
    super(sampleRate);
    const encoder = flac.create_libflac_encoder(sampleRate, 1, BITS_PER_SAMPLE, COMPRESSION_LEVEL, 0, false, flacBlockSize(sampleRate));
    if (encoder === 0) throw new Error(`libFLAC refused an encoder for ${sampleRate} Hz`);
    this.encoder = encoder;
    // libflacjs copies each write out of wasm memory before calling back, so the bytes can be kept as they are.
    const status = flac.init_encoder_stream(encoder, (data) => {
      this.written.push(data);
    });
    if (status !== 0) {
      flac.FLAC__stream_encoder_delete(encoder);
      throw new Error(`libFLAC encoder init failed with status ${status}`);
    }
  }

  protected encodeSlice(samples: Int16Array): Uint8Array {
    if (samples.length > this.scratch.length) this.scratch = new Int32Array(samples.length);
    const wide = this.scratch.subarray(0, samples.length);
    wide.set(samples);
    if (!this.flac.FLAC__stream_encoder_process_interleaved(this.encoder, wide, samples.length)) {
      throw new Error(`libFLAC encode failed in state ${this.flac.FLAC__stream_encoder_get_state(this.encoder)}`);
    }
    return this.take();
  }

  protected encodeEnd(): Uint8Array {
    if (!this.flac.FLAC__stream_encoder_finish(this.encoder)) {
      throw new Error(`libFLAC finish failed in state ${this.flac.FLAC__stream_encoder_get_state(this.encoder)}`);
    }
    return this.take();
  }

  protected release(): void {
    this.flac.FLAC__stream_encoder_delete(this.encoder);
  }

  private take(): Uint8Array {
    if (this.written.length === 0) return EMPTY_BYTES;
    const out = concatBytes(this.written);
    this.written = [];
    return out;
  }
}
