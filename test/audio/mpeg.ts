/**
 * MPEG audio helpers for tests, from the ISO 11172-3 / 13818-3 header layout (independent of the
 * encoder's own frame parser): split bytes into frames, and decode with mpg123.
 */
import { MPEGDecoder } from 'mpg123-decoder';

export interface MpegFrame {
  readonly offset: number;
  readonly length: number;
  readonly sampleRate: number;
  readonly samples: number;
}

const LAYER3_KBPS: Readonly<Record<'v1' | 'v2', readonly number[]>> = {
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Readonly<Record<number, readonly number[]>> = {
  0b11: [44100, 48000, 32000],
  0b10: [22050, 24000, 16000],
  0b00: [11025, 12000, 8000],
};

/** Splits `bytes` into Layer III frames; throws unless they are whole frames back to back. */
export function splitFrames(bytes: Uint8Array): MpegFrame[] {
  const frames: MpegFrame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw new Error(`${bytes.length - offset} stray bytes at ${offset}`);
    const header = ((bytes[offset] as number) << 24 | (bytes[offset + 1] as number) << 16 | (bytes[offset + 2] as number) << 8) >>> 0;
    if (header >>> 21 !== 0x7ff) throw new Error(`no frame sync at ${offset}`);
    const version = (header >>> 19) & 3;
    if (((header >>> 17) & 3) !== 0b01) throw new Error(`not Layer III at ${offset}`);
    const mpeg1 = version === 0b11;
    const kbps = LAYER3_KBPS[mpeg1 ? 'v1' : 'v2'][(header >>> 12) & 15];
    const sampleRate = RATES[version]?.[(header >>> 10) & 3];
    if (!kbps || !sampleRate) throw new Error(`bad bitrate or rate index at ${offset}`);
    const samples = mpeg1 ? 1152 : 576;
    const length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + ((header >>> 9) & 1);
    if (offset + length > bytes.length) throw new Error(`frame at ${offset} is cut (${length} bytes, ${bytes.length - offset} present)`);
    frames.push({ offset, length, sampleRate, samples });
    offset += length;
  }
  return frames;
}

/** Decodes a whole MP3 byte stream in one decoder; gapless trimming off, as our streams carry no LAME tag. */
export async function decodeMp3(bytes: Uint8Array): Promise<{ samples: Float32Array; sampleRate: number; errors: number }> {
  const decoder = new MPEGDecoder({ enableGapless: false });
  await decoder.ready;
  try {
    const result = decoder.decode(bytes);
    return { samples: result.channelData[0] ?? new Float32Array(0), sampleRate: result.sampleRate, errors: result.errors.length };
  } finally {
    decoder.free();
  }
}
