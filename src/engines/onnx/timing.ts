/**
 * Word and phoneme events for one utterance of a neural engine, from how many samples each input id lasts
 * (the model's own durations, or an even share of the audio when the model reports none). Every phoneme starts
 * where its first id starts; the written word of a phoneme starts with the word's first phoneme.
 */
import type { PhonemeEvent, WordEvent } from '../engine.js';
import type { PhonemizedSentence } from '../espeak/phonemizer.js';

/** Symbols that belong to the phoneme after them (stress) or before them (length, combining marks). */
const LEADING = new Set(['ˈ', 'ˌ']);
const TRAILING = /^[\p{M}ːˑ]$/u;
const PUNCTUATION = /^\p{P}$/u;

export interface UtteranceEvents {
  readonly words: WordEvent[];
  readonly phonemes: PhonemeEvent[];
}

/** Durations when a model gives none: every id the same share of the audio (approximate timestamps). */
export function evenDurations(ids: number, totalSamples: number): Float64Array {
  return new Float64Array(ids).fill(ids === 0 ? 0 : totalSamples / ids);
}

/**
 * @param owner for each input id, the index of the phoneme it carries, or -1 (BOS, EOS, edge pads)
 * @param samplesPerId how many output samples each input id lasts
 * @param totalSamples the utterance's audio length (events never start past it)
 */
export function utteranceEvents(
  sentence: PhonemizedSentence,
  owner: readonly number[],
  samplesPerId: ArrayLike<number>,
  totalSamples: number,
): UtteranceEvents {
  const count = sentence.phonemes.length;
  const starts = new Float64Array(count).fill(Number.NaN);
  let position = 0;
  for (let id = 0; id < owner.length; id++) {
    const phoneme = owner[id]!;
    if (phoneme >= 0 && Number.isNaN(starts[phoneme]!)) starts[phoneme] = position;
    position += samplesPerId[id] ?? 0;
  }
  // A phoneme with no id (missing from the map) starts where the next one does.
  let next = Math.min(position, totalSamples);
  for (let index = count - 1; index >= 0; index--) {
    if (Number.isNaN(starts[index]!)) starts[index] = next;
    else next = starts[index]!;
  }
  const at = (index: number): number => Math.min(totalSamples, Math.round(starts[index]!));
  const phonemes: PhonemeEvent[] = [];
  const words: WordEvent[] = [];
  let lastWord = -1;
  for (let index = 0; index < count; index++) {
    const word = sentence.wordOf[index]!;
    if (word > lastWord) {
      const span = sentence.words[word]!;
      words.push({ textStart: span.start, textLength: span.length, sample: at(index) });
      lastWord = word;
    }
    const symbol = sentence.phonemes[index]!;
    if (symbol === ' ') continue;
    const previous = phonemes[phonemes.length - 1];
    if (previous && TRAILING.test(symbol) && previous.ipa !== '') {
      phonemes[phonemes.length - 1] = { ipa: previous.ipa + symbol, sample: previous.sample };
      continue;
    }
    const leading = index > 0 && LEADING.has(sentence.phonemes[index - 1]!);
    if (LEADING.has(symbol)) continue;
    const ipa = PUNCTUATION.test(symbol) ? '' : (leading ? sentence.phonemes[index - 1]! : '') + symbol;
    phonemes.push({ ipa, sample: at(leading ? index - 1 : index) });
  }
  return { words, phonemes };
}
