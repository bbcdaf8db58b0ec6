/**
 * English number words for <say-as>. Small on purpose: it covers what SSML's interpret-as values ask for
 * (cardinals, ordinals, digit strings, years), not general text normalisation.
 */

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion'] as const;

/** Largest integer spelled as a cardinal; longer digit strings are read digit by digit. */
const MAX_CARDINAL = 999_999_999_999_999n;

function belowHundred(n: number): string {
  if (n < 20) return ONES[n] ?? '';
  const tens = TENS[Math.floor(n / 10)] ?? '';
  const ones = n % 10;
  return ones === 0 ? tens : `${tens}-${ONES[ones] ?? ''}`;
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (hundreds > 0) parts.push(`${ONES[hundreds] ?? ''} hundred`);
  if (rest > 0) parts.push(belowHundred(rest));
  return parts.join(' ');
}

/** Reads each digit: "407" → "four zero seven". */
export function digitWords(digits: string): string {
  return [...digits].map((d) => ONES[Number(d)] ?? d).join(' ');
}

/** A non-negative integer given as a digit string, e.g. "1234" → "one thousand two hundred thirty-four". */
export function integerWords(digits: string): string {
  const value = BigInt(digits);
  if (value > MAX_CARDINAL) return digitWords(digits.replace(/^0+(?=\d)/, ''));
  if (value === 0n) return ONES[0];
  const groups: string[] = [];
  let rest = value;
  for (let scale = 0; rest > 0n; scale += 1) {
    const group = Number(rest % 1000n);
    rest /= 1000n;
    if (group > 0) groups.unshift(scale === 0 ? belowThousand(group) : `${belowThousand(group)} ${SCALES[scale] ?? ''}`);
  }
  return groups.join(' ');
}

const ORDINAL_IRREGULAR: Readonly<Record<string, string>> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Turns the last word of a cardinal into its ordinal: "twenty-one" → "twenty-first". */
export function ordinalWords(digits: string): string {
  const cardinal = integerWords(digits);
  const cut = Math.max(cardinal.lastIndexOf(' '), cardinal.lastIndexOf('-')) + 1;
  const head = cardinal.slice(0, cut);
  const last = cardinal.slice(cut);
  const irregular = ORDINAL_IRREGULAR[last];
  if (irregular !== undefined) return head + irregular;
  if (last.endsWith('y')) return `${head}${last.slice(0, -1)}ieth`;
  return `${head}${last}th`;
}

/** Years as people say them: 1999 → "nineteen ninety-nine", 2005 → "two thousand five", 2024 → "twenty twenty-four". */
export function yearWords(year: number): string {
  if (year < 1000 || year > 9999) return integerWords(String(year));
  const high = Math.floor(year / 100);
  const low = year % 100;
  if (low === 0) return high % 10 === 0 ? integerWords(String(year)) : `${belowHundred(high)} hundred`;
  if (year >= 2000 && year < 2010) return integerWords(String(year));
  return low < 10 ? `${belowHundred(high)} oh ${ONES[low] ?? ''}` : `${belowHundred(high)} ${belowHundred(low)}`;
}
