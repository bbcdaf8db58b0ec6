/**
 * IPA → espeak-ng phoneme mnemonics, so `<phoneme alphabet="ipa">` can be spoken: espeak reads phonemes only
 * in its own ASCII alphabet inside `[[…]]`, and its IPA output functions cannot go the other way.
 *
 * The table covers common IPA symbols with the mnemonics of espeak's shared base tables (base1 / consonants),
 * which most languages inherit. Each entry was checked by speaking the mnemonic in en-us and reading back the
 * IPA espeak reports. Symbols with no entry are dropped; diacritics other than length, nasalization and
 * syllabicity are removed before lookup.
 */

const SYMBOLS: Readonly<Record<string, string>> = {
  // Affricates and diphthongs (lookup is longest-match).
  tʃ: 'tS',
  dʒ: 'dZ',
  tɕ: 'tS;',
  dʑ: 'dZ;',
  aɪ: 'aI',
  aʊ: 'aU',
  eɪ: 'eI',
  oʊ: 'oU',
  əʊ: 'oU',
  ɔɪ: 'OI',
  // Consonants.
  p: 'p',
  b: 'b',
  t: 't',
  d: 'd',
  k: 'k',
  g: 'g',
  ɡ: 'g',
  q: 'q',
  ʔ: '?',
  m: 'm',
  n: 'n',
  ŋ: 'N',
  ɲ: 'n^',
  ɳ: 'n.',
  f: 'f',
  v: 'v',
  θ: 'T',
  ð: 'D',
  s: 's',
  z: 'z',
  ʃ: 'S',
  ʒ: 'Z',
  ɕ: 'S;',
  ʑ: 'z;',
  ʂ: 's.',
  ʐ: 'z.',
  ç: 'C',
  x: 'x',
  ɣ: 'Q',
  χ: 'X',
  ʁ: 'Q"',
  h: 'h',
  β: 'B',
  ʋ: 'v#',
  l: 'l',
  ɫ: 'L',
  ɬ: 'l#',
  ʎ: 'l^',
  ɭ: 'l.',
  r: 'R',
  ɹ: 'r',
  ɾ: '*',
  ʀ: 'r"',
  j: 'j',
  w: 'w',
  ʍ: 'w#',
  c: 'c',
  ɟ: 'J',
  // Vowels.
  i: 'i',
  ɪ: 'I',
  e: 'e',
  ɛ: 'E',
  æ: 'a',
  a: 'a',
  ɐ: 'a#',
  ɑ: 'A:',
  ɒ: '0',
  ɔ: 'O',
  o: 'o',
  ʊ: 'U',
  u: 'u',
  ʌ: 'V',
  ə: '@',
  ɚ: '3',
  ɜ: '3',
  ᵻ: 'I#',
  y: 'y',
  ø: 'Y',
  œ: 'W',
  // Suprasegmentals.
  ˈ: "'",
  ˌ: ',',
  ː: ':',
  ' ': ' ',
};

/** Combining marks espeak expresses with a suffix; every other combining mark is dropped. */
const DIACRITICS: Readonly<Record<string, string>> = { '\u0303': '~', '\u0329': '-' };

const LONGEST = Math.max(...Object.keys(SYMBOLS).map((symbol) => symbol.length));

/** The espeak mnemonic string for an IPA transcription (without the surrounding `[[ ]]`). */
export function ipaToEspeak(ipa: string): string {
  const text = ipa.normalize('NFC').replace(/\s+/gu, ' ').trim();
  let out = '';
  let index = 0;
  while (index < text.length) {
    const size = longestSymbolAt(text, index);
    if (size > 0) {
      out += SYMBOLS[text.slice(index, index + size)];
      index += size;
      continue;
    }
    // A precomposed letter with a diacritic (ã, ẽ) or a lone combining mark: speak the base, keep known marks.
    for (const part of text[index]!.normalize('NFD')) out += SYMBOLS[part] ?? DIACRITICS[part] ?? '';
    index += 1;
  }
  return out;
}

function longestSymbolAt(text: string, index: number): number {
  for (let size = Math.min(LONGEST, text.length - index); size > 0; size--) {
    if (SYMBOLS[text.slice(index, index + size)] !== undefined) return size;
  }
  return 0;
}

/** Text espeak speaks as phonemes. */
export function phonemeInput(ipa: string): string {
  return `[[${ipaToEspeak(ipa)}]]`;
}
