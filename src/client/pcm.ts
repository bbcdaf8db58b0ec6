/**
 * The audio a client receives, made usable: WAV chunks decoded to float samples (for playback or analysis),
 * and a streamed WAV made a file. The server's streaming header says 0xFFFFFFFF for its sizes, since the
 * length is not known when it is sent; a saved file gets the real ones.
 */
import type { Precision } from '../protocol/wire.js';

/** The streaming WAV header at the start of a request's audio (unless `no_audio_header`). */
export const WAV_HEADER_BYTES = 44;

export function bytesPerSample(precision: Precision): number {
  return precision === 'PCM_16' ? 2 : precision === 'PCM_24' ? 3 : precision === 'PCM_32' ? 4 : 1;
}

/** G.711 µ-law byte to a linear sample in [-1, 1). */
function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
  return ((u & 0x80) !== 0 ? -magnitude : magnitude) / 32768;
}

/** Little-endian PCM (or µ-law) bytes, whole samples, as floats in [-1, 1). */
export function decodeSamples(bytes: Uint8Array, precision: Precision): Float32Array<ArrayBuffer> {
  const width = bytesPerSample(precision);
  const count = Math.floor(bytes.byteLength / width);
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0, at = 0; i < count; i += 1, at += width) {
    switch (precision) {
      case 'PCM_16':
        out[i] = view.getInt16(at, true) / 32768;
        break;
      case 'PCM_24':
        out[i] = ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) >> 0) / 8388608;
        break;
      case 'PCM_32':
        out[i] = view.getInt32(at, true) / 2147483648;
        break;
      case 'MULAW':
        out[i] = mulawToLinear(view.getUint8(at));
        break;
    }
  }
  return out;
}

/**
 * A request's WAV chunks joined into a file: the streaming header's RIFF and data sizes replaced by the real
 * ones. `chunks` must start with the 44-byte header (a request sent without `no_audio_header`).
 */
export function wavFileFromChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const file = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.byteLength;
  }
  if (total < WAV_HEADER_BYTES || String.fromCharCode(...file.subarray(0, 4)) !== 'RIFF') throw new Error('the audio does not start with a WAV header');
  const view = new DataView(file.buffer);
  view.setUint32(4, total - 8, true);
  view.setUint32(40, total - WAV_HEADER_BYTES, true);
  return file;
}
