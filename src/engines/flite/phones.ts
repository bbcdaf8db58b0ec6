/**
 * flite's phones → the engine interface's events. flite names its US English phones in CMU's ARPAbet
 * (lower case, stress on the syllable rather than the vowel); the table gives each its IPA, and a stressed
 * syllable's first phone carries the primary stress mark, as espeak-ng writes it.
 */
import type { PhonemeEvent, WordEvent } from '../engine.js';
import type { RawPhone } from './native.js';
import type { TextSpan } from './text.js';

const IPA: Readonly<Record<string, string>> = {
  aa: 'ɑ', ae: 'æ', ah: 'ʌ', ao: 'ɔ', aw: 'aʊ', ax: 'ə', axr: 'ɚ', ay: 'aɪ', b: 'b', ch: 'tʃ', d: 'd', dh: 'ð',
  dx: 'ɾ', eh: 'ɛ', el: 'l̩', em: 'm̩', en: 'n̩', er: 'ɝ', ey: 'eɪ', f: 'f', g: 'ɡ', hh: 'h', ih: 'ɪ', ix: 'ɨ',
  iy: 'i', jh: 'dʒ', k: 'k', l: 'l', m: 'm', n: 'n', ng: 'ŋ', nx: 'ɾ̃', ow: 'oʊ', oy: 'ɔɪ', p: 'p', r: 'ɹ',
  s: 's', sh: 'ʃ', t: 't', th: 'θ', uh: 'ʊ', uw: 'u', v: 'v', w: 'w', y: 'j', z: 'z', zh: 'ʒ',
};

const PAUSES = new Set(['pau', 'h#', 'brth']);

/** IPA for one flite phone; an empty string for a pause. Unknown names pass through as written. */
export function phoneIpa(phone: RawPhone): string {
  if (PAUSES.has(phone.name)) return '';
  // Unstressed "er" is the r-coloured schwa.
  const ipa = phone.name === 'er' && !phone.stressed ? 'ɚ' : (IPA[phone.name] ?? phone.name);
  return phone.stressed && phone.syllableStart ? `ˈ${ipa}` : ipa;
}

export interface TimedEvents {
  /** Ordered by sample. */
  readonly words: WordEvent[];
  readonly phonemes: PhonemeEvent[];
}

/**
 * Events of one utterance whose audio starts at `offset` samples. A phone starts where the previous one
 * ended; a word at its token's first phone. `spanOf` gives a token's place in the segment text.
 */
export function timedEvents(
  phones: readonly RawPhone[],
  sampleRate: number,
  offset: number,
  spanOf: (phone: RawPhone) => TextSpan | undefined,
): TimedEvents {
  const words: WordEvent[] = [];
  const phonemes: PhonemeEvent[] = [];
  let start = 0;
  let token = 0;
  for (const phone of phones) {
    const sample = offset + Math.round(start * sampleRate);
    if (phone.token !== 0 && phone.token !== token) {
      const span = spanOf(phone);
      if (span) words.push({ textStart: span.start, textLength: span.length, sample });
    }
    if (phone.token !== 0) token = phone.token;
    phonemes.push({ ipa: phoneIpa(phone), sample });
    start = Math.max(start, phone.end);
  }
  return { words, phonemes };
}
