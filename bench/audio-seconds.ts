/** How many seconds of audio a chunk of a request's stream holds, for each format the benchmark asks for. */
import { bytesPerSample, type AudioFormat } from '../src/audio/formats.js';
import { mpegFrameLength } from '../src/audio/mp3-frames.js';

/** Samples per Layer III frame: 1152 for MPEG-1, 576 for MPEG-2 and 2.5. */
function mpegFrameSamples(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset + 1]! >> 3) & 3) === 3 ? 1152 : 576;
}

/**
 * Seconds of audio in `bytes`. WAV requests are sent with `no_audio_header`, so every byte is a sample byte;
 * MP3 chunks hold whole frames (protocol.md), so their frames can be counted chunk by chunk.
 */
export function chunkSeconds(bytes: Uint8Array, format: AudioFormat): number {
  if (format.format === 'wav') return bytes.length / bytesPerSample(format.precision) / format.sampleRate;
  let samples = 0;
  let at = 0;
  while (at + 4 <= bytes.length) {
    const length = mpegFrameLength(bytes, at);
    if (length === 0) throw new Error(`MP3 chunk lost frame sync at byte ${at}`);
    samples += mpegFrameSamples(bytes, at);
    at += length;
  }
  return samples / format.sampleRate;
}
