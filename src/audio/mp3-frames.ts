/**
 * Cuts an MPEG audio byte stream into whole frames. LAME hands out bytes as its bit reservoir allows,
 * which can end mid-frame; holding back the tail of an incomplete frame keeps every chunk decodable.
 */

/** kbit/s by bitrate index, Layer III. */
const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] as const;
/** Hz by sample-rate index, for version bits 3 (MPEG-1), 2 (MPEG-2) and 0 (MPEG-2.5). */
const RATES_BY_VERSION: Readonly<Record<number, readonly number[]>> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/**
 * Length in bytes of the Layer III frame whose header starts at `offset`, or 0 when the bytes there are
 * not a valid header. Needs 4 bytes at `offset`.
 */
export function mpegFrameLength(bytes: Uint8Array, offset: number): number {
  const b1 = bytes[offset + 1] ?? 0;
  const b2 = bytes[offset + 2] ?? 0;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0 || ((b1 >> 1) & 3) !== 1) return 0;
  const version = (b1 >> 3) & 3;
  const rate = RATES_BY_VERSION[version]?.[(b2 >> 2) & 3];
  const kbps = (version === 3 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS)[b2 >> 4];
  if (rate === undefined || !kbps) return 0;
  const slotsPerKbps = version === 3 ? 144000 : 72000;
  return Math.floor((slotsPerKbps * kbps) / rate) + ((b2 >> 1) & 1);
}

/** Samples one Layer III frame decodes to: 1152 for MPEG-1 (32 kHz and up), 576 for MPEG-2 and 2.5. */
export function mpegSamplesPerFrame(sampleRate: number): number {
  return sampleRate >= 32000 ? 1152 : 576;
}

/** Whole frames at the start of `bytes` (counting stops at the first byte that is not a frame header). */
export function countMpegFrames(bytes: Uint8Array): number {
  let frames = 0;
  for (let at = 0; at + 4 <= bytes.length; frames += 1) {
    const length = mpegFrameLength(bytes, at);
    if (length === 0) break;
    at += length;
  }
  return frames;
}

/** Accumulates encoder output and releases it in whole frames. */
export class MpegFrameAssembler {
  private pending = new Uint8Array(8192);
  private length = 0;

  /** Appends `bytes` and returns (a copy of) every frame now complete, possibly none. */
  push(bytes: Uint8Array): Uint8Array {
    this.append(bytes);
    const complete = this.completeBytes();
    const frames = this.pending.slice(0, complete);
    this.pending.copyWithin(0, complete, this.length);
    this.length -= complete;
    return frames;
  }

  /** Bytes held back, waiting for the rest of their frame. */
  get buffered(): number {
    return this.length;
  }

  private completeBytes(): number {
    let at = 0;
    while (at + 4 <= this.length) {
      const frame = mpegFrameLength(this.pending, at);
      if (frame === 0) {
        throw new Error(`MP3 encoder output lost frame sync at byte ${at} of ${this.length} pending`);
      }
      if (at + frame > this.length) break;
      at += frame;
    }
    return at;
  }

  private append(bytes: Uint8Array): void {
    const needed = this.length + bytes.length;
    if (needed > this.pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.length));
      this.pending = grown;
    }
    this.pending.set(bytes, this.length);
    this.length = needed;
  }
}
