/**
 * The containers a request's audio travels in, decided here and nowhere else: the streaming WAV (its header
 * with unknown sizes rides in the encoded stream), a whole file (WAV with its real sizes, MP3 frames as they
 * are), the timestamped WAV whose cue/ltxt chunks come before the data, and the content type of each.
 */
import type { AudioFormat } from './formats.js';
import { MP3_START_DELAY_SAMPLES } from './mp3.js';
import { wavFileHeader, wavHeaderWithCues, type WavCue } from './wav.js';

export type ContentType = 'audio/wav' | 'audio/mpeg';

export function contentType(format: AudioFormat): ContentType {
  return format.format === 'wav' ? 'audio/wav' : 'audio/mpeg';
}

/**
 * The header a whole file of `bytes` of encoded audio starts with: WAV's with the real sizes; MP3 frames need
 * none. The audio follows as it was rendered, never joined: joining tens of MB held the event loop for 70–100 ms.
 */
export function wholeFileHeader(format: AudioFormat, bytes: number): Uint8Array | undefined {
  return format.format === 'wav' ? wavFileHeader(format, bytes) : undefined;
}

/**
 * Samples a decoder plays before the first one encoded: MP3's fixed start delay, which no decoder can trim
 * since the stream carries no LAME tag; none for WAV.
 */
export function startDelaySamples(format: AudioFormat): number {
  return format.format === 'mp3' ? MP3_START_DELAY_SAMPLES : 0;
}

/** Whether a format's container can carry timestamps as cues (only WAV has cue/ltxt chunks). */
export function carriesCues(format: AudioFormat): boolean {
  return format.format === 'wav';
}

/** The header of a timestamped WAV: format, cue and ltxt chunks, then a data chunk of unknown size. */
export function timestampedWavHeader(format: AudioFormat, cues: readonly WavCue[]): Buffer {
  return wavHeaderWithCues(format.sampleRate, format.precision, cues);
}
