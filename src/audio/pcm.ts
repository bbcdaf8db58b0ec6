/**
 * Int16 samples to the sample encodings a WAV stream may carry: signed little-endian PCM of 16, 24 or
 * 32 bits (widened by left shift, so full scale stays full scale) and G.711 µ-law.
 */
import { bytesPerSample, type Precision } from './formats.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

/** Encodes one sample to µ-law (G.711, the classic bias-and-clip formulation). */
export function mulawEncodeSample(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(sign ? -sample : sample, MULAW_CLIP) + MULAW_BIAS;
  // magnitude >= 0x84, so magnitude >> 7 >= 1 and the exponent lands in 0..7.
  const exponent = 31 - Math.clz32(magnitude >> 7);
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Indexed by the sample's uint16 bit pattern: one lookup per sample on the hot path. */
const MULAW_TABLE = (() => {
  const table = new Uint8Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = mulawEncodeSample((bits << 16) >> 16);
  return table;
})();

/**
 * Writes `samples` in `precision` into `target` at `offset` and returns the number of bytes written
 * (samples.length × bytesPerSample). `target` must have room.
 */
export function writePcm(samples: Int16Array, precision: Precision, target: Uint8Array, offset: number): number {
  const size = samples.length * bytesPerSample(precision);
  if (offset + size > target.length) {
    throw new RangeError(`writePcm: ${size} bytes do not fit at ${offset} in ${target.length}`);
  }
  switch (precision) {
    case 'PCM_16':
      if (LITTLE_ENDIAN_HOST) {
        target.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), offset);
      } else {
        writeWidened(samples, target, offset, 2);
      }
      break;
    case 'PCM_24':
      writeWidened(samples, target, offset, 3);
      break;
    case 'PCM_32':
      writeWidened(samples, target, offset, 4);
      break;
    case 'MULAW': {
      const unsigned = new Uint16Array(samples.buffer, samples.byteOffset, samples.length);
      for (let i = 0; i < unsigned.length; i++) target[offset + i] = MULAW_TABLE[unsigned[i] as number] as number;
      break;
    }
  }
  return size;
}

/** Encodes `samples` into a new byte array. */
export function encodePcm(samples: Int16Array, precision: Precision): Uint8Array {
  const out = new Uint8Array(samples.length * bytesPerSample(precision));
  writePcm(samples, precision, out, 0);
  return out;
}

/** Little-endian, `width` bytes per sample: zero low bytes, then the 16 significant bits on top. */
function writeWidened(samples: Int16Array, target: Uint8Array, offset: number, width: number): void {
  const zeros = width - 2;
  let at = offset;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as number;
    for (let z = 0; z < zeros; z++) target[at++] = 0;
    target[at++] = sample & 0xff;
    target[at++] = (sample >> 8) & 0xff;
  }
}

/** Scales samples in place, clipping at full scale (volume for engines that cannot set it themselves). */
export function applyGain(samples: Int16Array, gain: number): void {
  if (gain === 1) return;
  for (let index = 0; index < samples.length; index++) {
    const scaled = Math.round(samples[index]! * gain);
    samples[index] = scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
  }
}
