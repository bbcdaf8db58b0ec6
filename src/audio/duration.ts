/**
 * How much audio encoded bytes hold: for the /synthesize `duration` field, the metrics and the request log.
 * WAV counts sample bytes (a streaming header excluded), MP3 counts whole MPEG frames.
 */
import { bytesPerSample, type AudioFormat } from './formats.js';
import { countMpegFrames, mpegSamplesPerFrame } from './mp3-frames.js';
import { STREAMING_WAV_HEADER_BYTES } from './wav.js';

/** Seconds of audio a decoder gets from `audio` (WAV sample data without header, or whole MP3 frames). */
export function audioDuration(format: AudioFormat, audio: Uint8Array): number {
  if (format.format === 'wav') return audio.length / bytesPerSample(format.precision) / format.sampleRate;
  return (countMpegFrames(audio) * mpegSamplesPerFrame(format.sampleRate)) / format.sampleRate;
}

/** Seconds of audio in encoded chunks taken together (WAV sample data, or whole MP3 frames in each chunk). */
export function chunksDuration(format: AudioFormat, chunks: readonly Uint8Array[]): number {
  if (format.format === 'wav') return chunks.reduce((sum, chunk) => sum + chunk.length, 0) / bytesPerSample(format.precision) / format.sampleRate;
  return (chunks.reduce((sum, chunk) => sum + countMpegFrames(chunk), 0) * mpegSamplesPerFrame(format.sampleRate)) / format.sampleRate;
}

/** Counts the seconds of audio in encoded chunks as they are sent. */
export class AudioSeconds {
  private headerLeft: number;
  private total = 0;

  /** `streamingHeader`: the first bytes are a streaming WAV header, which holds no audio. */
  constructor(private readonly format: AudioFormat, streamingHeader: boolean) {
    this.headerLeft = streamingHeader && format.format === 'wav' ? STREAMING_WAV_HEADER_BYTES : 0;
  }

  add(chunk: Uint8Array): void {
    const skip = Math.min(this.headerLeft, chunk.length);
    this.headerLeft -= skip;
    this.total += audioDuration(this.format, skip === 0 ? chunk : chunk.subarray(skip));
  }

  get seconds(): number {
    return this.total;
  }
}
