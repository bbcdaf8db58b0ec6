/**
 * Turns espeak's raw events into the engine interface's word and phoneme events: code-point positions
 * become UTF-16 offsets into the segment text, milliseconds become sample offsets.
 */
import type { PhonemeEvent, WordEvent } from '../engine.js';
import type { RawEspeakEvent } from './native.js';

/** A run of the segment text, in UTF-16 units. */
export interface TextSpan {
  readonly start: number;
  readonly length: number;
}

export interface ChunkEvents {
  readonly words: WordEvent[];
  readonly phonemes: PhonemeEvent[];
}

/** Language-switch markers such as "(en)" are not phonemes. */
const LANGUAGE_SWITCH = /^\(.*\)$/;

/** The whitespace-separated words of `text`, for mapping phoneme-input words back to the written form. */
export function writtenWords(text: string): TextSpan[] {
  return [...text.matchAll(/\S+/gu)].map((match) => ({ start: match.index, length: match[0].length }));
}

export class EspeakEventMapper {
  /** UTF-16 offset of each code-point boundary: offsets[k] is where code point k starts. */
  private readonly offsets: number[];
  private wordsSeen = 0;

  /**
   * @param text the text espeak was given
   * @param writtenSpans when espeak read phonemes instead of `text`, the written words its word events stand for,
   *   in order (espeak's positions then point into the phoneme string, which the client never sees)
   */
  constructor(
    text: string,
    private readonly sampleRate: number,
    private readonly writtenSpans?: readonly TextSpan[],
  ) {
    this.offsets = [0];
    for (const char of text) this.offsets.push(this.offsets[this.offsets.length - 1]! + char.length);
  }

  translate(events: readonly RawEspeakEvent[]): ChunkEvents {
    const words: WordEvent[] = [];
    const phonemes: PhonemeEvent[] = [];
    for (const event of events) {
      const sample = Math.round((event.audio_position * this.sampleRate) / 1000);
      if (event.type === 'word') {
        const span = this.writtenSpans ? this.writtenSpans[this.wordsSeen++] : this.spanOf(event);
        if (span) words.push({ textStart: span.start, textLength: span.length, sample });
      } else if (event.type === 'phoneme') {
        const ipa = typeof event.id === 'string' ? event.id : '';
        if (!LANGUAGE_SWITCH.test(ipa)) phonemes.push({ ipa, sample });
      }
    }
    return { words, phonemes };
  }

  /** Clips espeak's 1-based code-point span to the text (it reports positions past the end at sentence ends). */
  private spanOf(event: RawEspeakEvent): TextSpan | undefined {
    const codePoints = this.offsets.length - 1;
    const first = Math.max(0, event.text_position - 1);
    const end = Math.min(codePoints, first + Math.max(0, event.word_length));
    if (first >= codePoints || end <= first) return undefined;
    return { start: this.offsets[first]!, length: this.offsets[end]! - this.offsets[first]! };
  }
}
