/**
 * Streams one utterance's float audio as the engine interface's chunks: converted to int16 once (with the
 * request's gain), cut into bounded chunks, each carrying the events that start inside it, and stopped between
 * chunks when the job is cancelled.
 */
import type { EngineChunk, PhonemeEvent, WordEvent } from '../engine.js';
import type { JobContext } from '../worker-host.js';

/** Chunk length: about 100 ms of audio, as the espeak engine's buffers. */
export function chunkSamplesFor(sampleRate: number): number {
  return Math.round(sampleRate / 10);
}

export function toInt16(samples: Float32Array, start: number, end: number, gain: number): Int16Array {
  const out = new Int16Array(end - start);
  for (let index = start; index < end; index++) {
    const value = samples[index]! * gain;
    // Clipped, not wrapped: a gain above 1 on a loud voice must saturate rather than flip sign.
    out[index - start] = value >= 1 ? 32767 : value <= -1 ? -32768 : Math.round(value * 32767);
  }
  return out;
}

export interface Utterance {
  readonly audio: Float32Array;
  /** Events with samples relative to this utterance's start, in order. */
  readonly words: readonly WordEvent[];
  readonly phonemes: readonly PhonemeEvent[];
}

export class ChunkStreamer {
  /** Samples already sent for the segment (earlier utterances), the offset of this utterance's events. */
  private sent = 0;

  constructor(
    private readonly context: JobContext<EngineChunk>,
    private readonly chunkSamples: number,
    private readonly gain: number,
  ) {}

  /** Sends the utterance; false when the job was cancelled (nothing more should be synthesized). */
  send(utterance: Utterance): boolean {
    const { audio } = utterance;
    let word = 0;
    let phoneme = 0;
    for (let start = 0; start < audio.length || start === 0; start += this.chunkSamples) {
      if (this.context.cancelled()) return false;
      const end = Math.min(audio.length, start + this.chunkSamples);
      const last = end >= audio.length;
      const words: WordEvent[] = [];
      const phonemes: PhonemeEvent[] = [];
      while (word < utterance.words.length && (last || utterance.words[word]!.sample < end)) {
        const event = utterance.words[word++]!;
        words.push({ ...event, sample: this.sent + Math.min(event.sample, audio.length) });
      }
      while (phoneme < utterance.phonemes.length && (last || utterance.phonemes[phoneme]!.sample < end)) {
        const event = utterance.phonemes[phoneme++]!;
        phonemes.push({ ipa: event.ipa, sample: this.sent + Math.min(event.sample, audio.length) });
      }
      const samples = toInt16(audio, start, end, this.gain);
      if (samples.length > 0 || words.length > 0 || phonemes.length > 0) {
        this.context.emit({ samples, words, phonemes }, [samples.buffer as ArrayBuffer]);
      }
      if (last) break;
    }
    this.sent += audio.length;
    return !this.context.cancelled();
  }
}
