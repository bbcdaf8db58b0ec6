/**
 * Text → espeak-ng IPA clause by clause, the way Piper's phonemizer calls espeak: each clause's phonemes
 * followed by its terminator (`.` `?` `!` as is, `,` `:` `;` with a space after), clauses gathered into
 * sentences. Neural engines (Piper, Kokoro) turn these phonemes into model ids; the word each phoneme belongs
 * to is kept so their timestamps map back to the written text.
 *
 * The wasm build of espeak-ng exposes text → phonemes but not the clause terminator espeak found
 * (`espeak_TextToPhonemesWithTerminator`), so clauses are cut here: at a run of `. ? ! , : ;` (closing quotes
 * and brackets allowed after it) followed by white space or the end of the text. espeak's abbreviation rules
 * ("e.g. this") are not seen, so such a period becomes a clause end where Piper would not put one.
 */
import type { LoadedEspeak } from './native.js';

/** A word of the written text, in UTF-16 units of the phonemized text. */
export interface TextWord {
  readonly start: number;
  readonly length: number;
}

export interface PhonemizedSentence {
  /** Phoneme symbols (code points after normalization), spaces and punctuation included. */
  readonly phonemes: readonly string[];
  /** For each phoneme, the index in `words` of the written word it belongs to, or -1 (space, punctuation). */
  readonly wordOf: readonly number[];
  readonly words: readonly TextWord[];
}

export interface PhonemizeOptions {
  /** espeak-ng voice, e.g. "en-us". */
  readonly voice: string;
  /** Piper decomposes to NFD (a combining mark is a symbol of its own); Kokoro's vocabulary is NFC. */
  readonly normalization: 'NFD' | 'NFC';
  /** Symbol rewrites applied after normalization (Kokoro: r → ɹ and a few more). */
  readonly rewrite?: Readonly<Record<string, string>>;
}

interface Clause {
  readonly start: number;
  readonly text: string;
  readonly terminator: string;
  readonly endsSentence: boolean;
}

const CLAUSE_END = /([.?!,:;])[.?!,:;]*["'”’)\]]*(?=\s|$)/gu;
const SENTENCE_TERMINATORS = new Set(['.', '?', '!']);
const SPACED_TERMINATORS = new Set([',', ':', ';']);
/** Language-switch flags such as "(fr)" around words espeak reads in another language. */
const LANGUAGE_SWITCH = /\([^)]*\)/gu;
const EDGE_PUNCTUATION = /^\p{P}+|\p{P}+$/gu;

export function splitClauses(text: string): Clause[] {
  const clauses: Clause[] = [];
  let start = 0;
  for (const match of text.matchAll(CLAUSE_END)) {
    const end = match.index + match[0].length;
    const terminator = match[1]!;
    clauses.push({ start, text: text.slice(start, end), terminator, endsSentence: SENTENCE_TERMINATORS.has(terminator) });
    start = end;
  }
  if (text.slice(start).trim() !== '') clauses.push({ start, text: text.slice(start), terminator: '', endsSentence: true });
  return clauses;
}

/** The written words of a clause: white-space separated tokens without the punctuation at their edges. */
function clauseWords(clause: Clause): TextWord[] {
  const words: TextWord[] = [];
  for (const match of clause.text.matchAll(/\S+/gu)) {
    const lead = /^\p{P}*/u.exec(match[0])![0].length;
    const core = match[0].replace(EDGE_PUNCTUATION, '');
    if (core !== '') words.push({ start: clause.start + match.index + lead, length: core.length });
  }
  return words;
}

export class EspeakPhonemizer {
  private readonly decoder = new TextDecoder();
  /** The voice espeak has loaded: loading it again for every segment would cost more than phonemizing. */
  private voice: string | undefined;

  constructor(private readonly espeak: LoadedEspeak) {}

  /** espeak's IPA for a piece of text, words separated by single spaces. */
  ipa(text: string): string {
    const pointer = this.espeak.instance.convert_to_phonemes(text, true).ptr;
    const heap = this.espeak.heap();
    let end = pointer;
    while (heap[end] !== 0) end++;
    return this.decoder
      .decode(heap.subarray(pointer, end))
      .replace(LANGUAGE_SWITCH, '')
      .replaceAll(' | ', '')
      .replaceAll('_', '')
      .replace(/\s+/gu, ' ')
      .trim();
  }

  phonemize(text: string, options: PhonemizeOptions): PhonemizedSentence[] {
    if (this.voice !== options.voice) {
      this.voice = undefined;
      if (this.espeak.instance.set_voice(options.voice) !== 0) {
        throw new Error(`espeak-ng cannot load voice "${options.voice}"`);
      }
      this.voice = options.voice;
    }
    const sentences: PhonemizedSentence[] = [];
    let phonemes: string[] = [];
    let wordOf: number[] = [];
    let words: TextWord[] = [];
    const push = (symbols: string, word: number): void => {
      for (const char of symbols.normalize(options.normalization)) {
        const symbol = options.rewrite?.[char] ?? char;
        for (const part of symbol) {
          phonemes.push(part);
          wordOf.push(word);
        }
      }
    };
    for (const clause of splitClauses(text)) {
      const ipaWords = this.ipa(clause.text).split(' ').filter((word) => word !== '');
      const written = clauseWords(clause);
      const owners = this.assignWords(ipaWords, written, text);
      ipaWords.forEach((ipaWord, index) => {
        if (index > 0) push(' ', -1);
        push(ipaWord, owners[index] === -1 ? -1 : words.length + owners[index]!);
      });
      words = words.concat(written);
      if (clause.terminator !== '') push(clause.terminator, -1);
      if (SPACED_TERMINATORS.has(clause.terminator)) push(' ', -1);
      if (clause.endsSentence && phonemes.length > 0) {
        sentences.push({ phonemes, wordOf, words });
        phonemes = [];
        wordOf = [];
        words = [];
      }
    }
    if (phonemes.length > 0) sentences.push({ phonemes, wordOf, words });
    return sentences;
  }

  /**
   * Which written word each IPA word stands for. espeak may speak one written word as several ("$5" → "dollar
   * five") or none; when the counts differ, each written word is phonemized alone to count its IPA words, and
   * if even that does not add up the IPA words are spread over the written ones in proportion.
   */
  private assignWords(ipaWords: readonly string[], written: readonly TextWord[], text: string): number[] {
    if (written.length === 0) return ipaWords.map(() => -1);
    if (ipaWords.length === written.length) return ipaWords.map((_, index) => index);
    return this.assignByCounts(ipaWords.length, written, text) ?? ipaWords.map((_, index) => Math.floor((index * written.length) / ipaWords.length));
  }

  private assignByCounts(total: number, written: readonly TextWord[], text: string): number[] | undefined {
    const owners: number[] = [];
    written.forEach((word, index) => {
      const count = this.ipa(text.slice(word.start, word.start + word.length)).split(' ').filter((part) => part !== '').length;
      for (let k = 0; k < count; k++) owners.push(index);
    });
    return owners.length === total ? owners : undefined;
  }
}
