/**
 * What flite is given, and how its words find their way back to the segment text.
 *
 * flite reads ASCII English only (other characters are dropped silently), and a very long token makes it
 * spend seconds on letter-to-sound rules (5,000 letters: about 20 s). So before flite sees a text:
 * - typographic punctuation becomes its ASCII form and accented Latin letters lose their accents (é → e);
 * - symbols, emoji and other punctuation become spaces (flite would drop them anyway);
 * - letters and digits of other scripts are refused with a clear error: flite would say nothing for them,
 *   and silence where a word was written is worse than an error;
 * - a run of more than MAX_TOKEN_LENGTH non-space characters is broken into pieces of that length.
 * `origin` maps every character of the spoken text back to its UTF-16 index in the segment text.
 */

export const MAX_TOKEN_LENGTH = 40;

export interface SpokenText {
  /** ASCII text for flite. */
  readonly text: string;
  /** origin[i] = UTF-16 index in the segment text of spoken character i; origin[text.length] = its length. */
  readonly origin: readonly number[];
}

/** A span of the segment text, in UTF-16 units. */
export interface TextSpan {
  readonly start: number;
  readonly length: number;
}

export class UnspeakableText extends Error {
  override readonly name = 'UnspeakableText';
}

const TYPOGRAPHIC: Readonly<Record<string, string>> = {
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u2032': "'", '\u02BC': "'",
  '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u2033': '"', '\u00AB': '"', '\u00BB': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
  '\u2026': '...', '\u00BF': ' ', '\u00A1': ' ',
};

/** The ASCII a code point is read as, or undefined when flite cannot say it. */
function asciiFor(char: string): string | undefined {
  const code = char.codePointAt(0)!;
  if (code >= 0x20 && code < 0x7f) return char;
  if (code < 0x80 || /\s/u.test(char)) return ' ';
  const typographic = TYPOGRAPHIC[char];
  if (typographic !== undefined) return typographic;
  const stripped = char.normalize('NFKD').replace(/\p{M}/gu, '');
  if (/^[\x20-\x7e]+$/.test(stripped)) return stripped;
  if (/[\p{L}\p{N}]/u.test(char)) return undefined;
  return ' ';
}

/** Why flite cannot read `text` (its first character of another script), or undefined when it can. */
export function unspeakableByFlite(text: string): string | undefined {
  let index = 0;
  for (const char of text) {
    if (asciiFor(char) === undefined) {
      const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      return `flite reads English only and cannot speak "${char}" (U+${hex}) at ${index}`;
    }
    index += char.length;
  }
  return undefined;
}

export function spokenText(segmentText: string): SpokenText {
  let text = '';
  const origin: number[] = [];
  let run = 0;
  let index = 0;
  for (const char of segmentText) {
    const ascii = asciiFor(char);
    if (ascii === undefined) {
      const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new UnspeakableText(`flite reads English only and cannot speak "${char}" (U+${hex}) at ${index}`);
    }
    for (const letter of ascii) {
      run = letter === ' ' ? 0 : run + 1;
      if (run > MAX_TOKEN_LENGTH) {
        text += ' ';
        origin.push(index);
        run = 1;
      }
      text += letter;
      origin.push(index);
    }
    index += char.length;
  }
  origin.push(index);
  return { text, origin };
}

/**
 * Where each token flite read stands in the segment text. flite strips a token's surrounding punctuation and
 * keeps the rest as written, so each name is found in order from where the previous one ended; a name that
 * cannot be found (flite rewrote it) gets no span rather than a wrong one.
 */
export class TokenLocator {
  private cursor = 0;

  constructor(private readonly spoken: SpokenText) {}

  locate(tokenName: string): TextSpan | undefined {
    if (tokenName === '') return undefined;
    const found = this.spoken.text.indexOf(tokenName, this.cursor);
    if (found < 0) return undefined;
    this.cursor = found + tokenName.length;
    const origin = this.spoken.origin;
    const start = origin[found]!;
    // The span ends where the next written character starts (one character may be read as several letters).
    const last = origin[this.cursor - 1]!;
    let next = this.cursor;
    while (origin[next]! <= last) next++;
    return { start, length: origin[next]! - start };
  }
}

/** Longest piece flite gets at once: it analyses a whole utterance before its first audio buffer. */
export const MAX_UTTERANCE_LENGTH = 250;

/**
 * Splits the spoken text into utterances, so flite starts the audio of the first while the rest waits and a
 * long segment streams. One ends after . ! ? or ; followed by a space; a longer run is cut at its last comma
 * (or else space) within MAX_UTTERANCE_LENGTH.
 */
export function utterances(text: string): string[] {
  const pieces: string[] = [];
  const push = (piece: string): void => {
    if (piece.trim() !== '') pieces.push(piece);
  };
  const pushCut = (run: string): void => {
    while (run.length > MAX_UTTERANCE_LENGTH) {
      const window = run.slice(0, MAX_UTTERANCE_LENGTH);
      const comma = window.lastIndexOf(', ');
      const space = window.lastIndexOf(' ');
      const cut = comma > 0 ? comma + 2 : space > 0 ? space + 1 : MAX_UTTERANCE_LENGTH;
      push(run.slice(0, cut));
      run = run.slice(cut);
    }
    push(run);
  };
  let start = 0;
  for (const match of text.matchAll(/[.!?;]+["')\]]*\s+/g)) {
    const end = match.index + match[0].length;
    pushCut(text.slice(start, end));
    start = end;
  }
  pushCut(text.slice(start));
  return pieces;
}
