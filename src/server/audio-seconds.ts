/**
 * Counts the seconds of audio in encoded chunks as they are sent, for the metrics and the request log:
 * sample bytes for WAV (the streaming header excluded), whole MPEG frames for MP3.
 */
import type { AudioFormat } from '../audio/formats.js';
import { STREAMING_WAV_HEADER_BYTES } from '../audio/wav.js';
import { audioDuration } from './http/audio-file.js';

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
