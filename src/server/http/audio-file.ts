/**
 * Whole-file forms of a rendered request, for the HTTP endpoints that send the alignment before or beside
 * the audio: a WAV with real sizes, the cue list of a timestamped WAV, and the duration of either format.
 */
import { bytesPerSample, type AudioFormat } from '../../audio/formats.js';
import { mpegFrameLength } from '../../audio/mp3-frames.js';
import { streamingWavHeader, type WavCue } from '../../audio/wav.js';
import type { Alignment } from '../../synthesis/alignment.js';

const RIFF_SIZE_OFFSET = 4;
const DATA_SIZE_OFFSET = 40;
/** Bytes of the 44-byte header that the RIFF size counts (everything after the RIFF size field). */
const RIFF_SIZE_BASE = 36;

/** A complete WAV: the 44-byte header with the real RIFF and data sizes, then the samples. */
export function wavFile(format: AudioFormat, data: Uint8Array): Buffer {
  const header = streamingWavHeader(format.sampleRate, format.precision);
  header.writeUInt32LE(RIFF_SIZE_BASE + data.length, RIFF_SIZE_OFFSET);
  header.writeUInt32LE(data.length, DATA_SIZE_OFFSET);
  return Buffer.concat([header, data]);
}

/** Seconds of audio a decoder gets from `audio` (WAV sample data without header, or whole MP3 frames). */
export function audioDuration(format: AudioFormat, audio: Uint8Array): number {
  if (format.format === 'wav') return audio.length / bytesPerSample(format.precision) / format.sampleRate;
  // MPEG-1 (32 kHz and up) frames hold 1152 samples; MPEG-2 and 2.5 frames, 576.
  const samplesPerFrame = format.sampleRate >= 32000 ? 1152 : 576;
  let frames = 0;
  for (let at = 0; at + 4 <= audio.length; frames += 1) {
    const length = mpegFrameLength(audio, at);
    if (length === 0) break;
    at += length;
  }
  return (frames * samplesPerFrame) / format.sampleRate;
}

/**
 * One cue per grapheme, then one per phoneme. The alignment's times already lie on the output sample grid,
 * so rounding recovers the exact sample offsets.
 */
export function alignmentCues(alignment: Alignment, sampleRate: number): WavCue[] {
  const toSample = (seconds: number): number => Math.round(seconds * sampleRate);
  const cues = (chars: readonly string[], times: readonly [number, number][], purpose: WavCue['purpose']): WavCue[] =>
    chars.map((text, index) => {
      const [start, end] = times[index] ?? [0, 0];
      const sampleOffset = toSample(start);
      return { sampleOffset, lengthSamples: Math.max(0, toSample(end) - sampleOffset), purpose, text };
    });
  return [...cues(alignment.graph_chars, alignment.graph_times, 'grph'), ...cues(alignment.phon_chars, alignment.phon_times, 'phon')];
}
