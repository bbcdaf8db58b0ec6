/**
 * OpenAI's `pcm` (raw signed 16-bit little-endian mono, no header) and `wav` (the same behind a streaming
 * 44-byte header whose sizes say "unknown", as the WebSocket stream sends it) in the stream-encoder shape.
 */
import { writePcm } from './pcm.js';
import { EMPTY_BYTES, SlicedEncoder } from './stream-encoder.js';
import { streamingWavHeader } from './wav.js';

export function createPcmStreamEncoder(format: 'pcm' | 'wav', sampleRate: number): PcmStreamEncoder {
  return new PcmStreamEncoder(format, sampleRate);
}

export class PcmStreamEncoder extends SlicedEncoder {
  readonly contentType: string;
  private header: Buffer | undefined;

  constructor(
    readonly format: 'pcm' | 'wav',
    sampleRate: number,
  ) {
    super(sampleRate);
    this.contentType = format === 'wav' ? 'audio/wav' : `audio/pcm;rate=${sampleRate}`;
    if (format === 'wav') this.header = streamingWavHeader(sampleRate, 'PCM_16');
  }

  protected encodeSlice(samples: Int16Array): Uint8Array {
    const prefix = this.header?.length ?? 0;
    const out = new Uint8Array(prefix + samples.length * 2);
    if (this.header) {
      out.set(this.header);
      this.header = undefined;
    }
    writePcm(samples, 'PCM_16', out, prefix);
    return out;
  }

  /** Nothing is held back; a WAV stream that got no samples still gets its header. */
  protected encodeEnd(): Uint8Array {
    return this.header ? this.encodeSlice(new Int16Array(0)) : EMPTY_BYTES;
  }

  protected release(): void {}
}
