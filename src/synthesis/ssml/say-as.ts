/**
 * <say-as interpret-as> → what the engine should read. Written text stays the element's text; only the
 * spoken form changes. Spoken forms are English (the plan is built before the voice is known; a <lang>
 * other than English keeps the text as written for numbers and the bare letter for spelling, and the
 * engine's own rules for that language read it).
 */
import { digitWords, integerWords, ordinalWords, yearWords } from './numbers.js';
import { invalidSsml, type SourcePosition } from './position.js';

/** One piece of a say-as element: its own speech item, so it gets its own timestamp span. */
export interface SayAsPiece {
  readonly written: string;
  readonly spoken: string;
}

export interface SayAsRequest {
  readonly interpretAs: string;
  readonly format: string | undefined;
  readonly text: string;
  readonly english: boolean;
  readonly at: SourcePosition;
}

/**
 * Spoken names of symbols when spelled. Letters need none: each letter is its own speech item, and a lone
 * letter is read by its name (respellings such as "ay" are not: espeak reads that as "eye").
 */
const SYMBOL_NAMES: Readonly<Record<string, string>> = {
  '.': 'dot', '-': 'dash', _: 'underscore', '@': 'at', '/': 'slash', '+': 'plus', '#': 'hash', '&': 'and', '*': 'star',
};
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const DATE_FORMATS = new Set(['mdy', 'dmy', 'ymd', 'md', 'dm', 'ym', 'my', 'd', 'm', 'y']);

const isSpace = (char: string): boolean => char.trim() === '';

function spell(text: string, english: boolean): SayAsPiece[] {
  const pieces: SayAsPiece[] = [];
  let leading = '';
  for (const char of text) {
    const last = pieces[pieces.length - 1];
    if (isSpace(char)) {
      // Whitespace has no sound of its own: it joins the letter before it (or the first one).
      if (last === undefined) leading += char;
      else pieces[pieces.length - 1] = { written: last.written + char, spoken: last.spoken };
      continue;
    }
    const digit = /^\d$/.test(char) ? digitWords(char) : undefined;
    const name = english ? (digit ?? SYMBOL_NAMES[char] ?? char) : char;
    pieces.push({ written: leading + char, spoken: name });
    leading = '';
  }
  if (leading !== '') pieces.push({ written: leading, spoken: leading });
  return pieces;
}

function cardinal(text: string, fail: (expected: string) => never): string {
  const match = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return fail('a number such as "1,234" or "-3.5"');
  const [, sign = '', whole = '', fraction] = match;
  const parts = [sign === '-' ? 'minus' : sign === '+' ? 'plus' : '', integerWords(whole.replace(/,/g, ''))];
  if (fraction !== undefined) parts.push('point', digitWords(fraction));
  return parts.filter((part) => part !== '').join(' ');
}

function ordinal(text: string, fail: (expected: string) => never): string {
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)?$/i.exec(text);
  if (match === null) return fail('a whole number such as "3" or "3rd"');
  return ordinalWords((match[1] ?? '').replace(/,/g, ''));
}

function digits(text: string, fail: (expected: string) => never): string {
  if (!/^[\d\s]+$/.test(text)) return fail('digits only');
  return digitWords(text.replace(/\s+/g, ''));
}

function telephone(text: string, fail: (expected: string) => never): string {
  if (!/^\+?[\d\s().\-]+$/.test(text) || !/\d/.test(text)) return fail('a telephone number of digits, spaces and + ( ) - .');
  const groups = text.split(/[^\d]+/).filter((group) => group !== '').map(digitWords);
  return (text.startsWith('+') ? 'plus ' : '') + groups.join(', ');
}

function monthNumber(field: string): number {
  if (/^\d{1,2}$/.test(field)) return Number(field);
  const lower = field.toLowerCase();
  const index = MONTHS.findIndex((name) => lower.length >= 3 && name.toLowerCase().startsWith(lower));
  return index + 1;
}

function date(text: string, format: string | undefined, fail: (expected: string) => never): string {
  const fields = text.split(/[\s/.,-]+/).filter((field) => field !== '');
  const order = format ?? (/^\d{4}$/.test(fields[0] ?? '') ? 'ymd' : 'mdy').slice(0, Math.max(fields.length, 1));
  if (!DATE_FORMATS.has(order)) return fail('format to be one of mdy, dmy, ymd, md, dm, ym, my, d, m, y');
  if (fields.length !== order.length) return fail(`a date with ${order.length} field(s) in the order "${order}"`);
  const value = (letter: string): string | undefined => {
    const index = order.indexOf(letter);
    return index < 0 ? undefined : fields[index];
  };
  const [d, m, y] = [value('d'), value('m'), value('y')];
  const month = m === undefined ? undefined : monthNumber(m);
  if (month !== undefined && !(month >= 1 && month <= 12)) return fail('a month 1–12 or a month name');
  const day = d === undefined ? undefined : /^\d{1,2}$/.test(d) ? Number(d) : 0;
  const longest = month === undefined ? 31 : DAYS_IN_MONTH[month - 1] ?? 31;
  if (day !== undefined && !(day >= 1 && day <= longest)) return fail(`a day 1–${longest}`);
  if (y !== undefined && !/^\d{2}$|^\d{4}$/.test(y)) return fail('a year of two or four digits');
  const year = y === undefined ? undefined : y.length === 2 ? (y.startsWith('0') ? `oh ${digitWords(y[1] ?? '')}` : integerWords(y)) : yearWords(Number(y));
  const monthName = month === undefined ? undefined : MONTHS[month - 1];
  const dayName = day === undefined ? undefined : ordinalWords(String(day));
  if (monthName !== undefined && dayName !== undefined) return year === undefined ? `${monthName} ${dayName}` : `${monthName} ${dayName}, ${year}`;
  if (monthName !== undefined) return year === undefined ? monthName : `${monthName} ${year}`;
  if (dayName !== undefined) return `the ${dayName}`;
  return year ?? '';
}

function minuteWords(minutes: number): string {
  return minutes < 10 ? `oh ${integerWords(String(minutes))}` : integerWords(String(minutes));
}

function time(text: string, fail: (expected: string) => never): string {
  const match = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(?:([ap])\.?\s?m\.?)?$/i.exec(text);
  const meridiem = match?.[4]?.toLowerCase();
  if (match === null || (match[2] === undefined && meridiem === undefined)) return fail('a time such as "14:30", "2:30pm" or "9 am"');
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  const seconds = match[3] === undefined ? undefined : Number(match[3]);
  const hourLimit = meridiem === undefined ? 23 : 12;
  if (hours > hourLimit || (meridiem !== undefined && hours === 0) || minutes > 59 || (seconds ?? 0) > 59) return fail('a valid time of day');
  const parts = [integerWords(String(hours))];
  if (minutes > 0) parts.push(minuteWords(minutes));
  else if (meridiem === undefined) parts.push("o'clock");
  if (seconds !== undefined && seconds > 0) parts.push(`and ${integerWords(String(seconds))} ${seconds === 1 ? 'second' : 'seconds'}`);
  if (meridiem !== undefined) parts.push(meridiem === 'a' ? 'a m' : 'p m');
  return parts.join(' ');
}

type Reader = (text: string, format: string | undefined, fail: (expected: string) => never) => string;

const READERS: Readonly<Record<string, Reader>> = {
  cardinal: (text, _format, fail) => cardinal(text, fail),
  number: (text, _format, fail) => cardinal(text, fail),
  ordinal: (text, _format, fail) => ordinal(text, fail),
  digits: (text, _format, fail) => digits(text, fail),
  telephone: (text, _format, fail) => telephone(text, fail),
  date,
  time: (text, _format, fail) => time(text, fail),
};

/** The speech pieces of one <say-as> element. */
export function sayAs(request: SayAsRequest): SayAsPiece[] {
  const { interpretAs, format, text, english, at } = request;
  if (interpretAs === 'characters' || interpretAs === 'spell-out') return spell(text, english);
  const reader = READERS[interpretAs];
  if (reader === undefined) {
    throw invalidSsml(`<say-as interpret-as="${interpretAs}"> is not supported: expected characters, spell-out, cardinal, number, ordinal, digits, telephone, date or time`, at);
  }
  if (format !== undefined && interpretAs !== 'date') {
    throw invalidSsml(`<say-as interpret-as="${interpretAs}"> takes no format attribute`, at);
  }
  const fail = (expected: string): never => {
    throw invalidSsml(`<say-as interpret-as="${interpretAs}"> cannot read "${text.trim()}": expected ${expected}`, at);
  };
  const spoken = reader(text.trim(), format, fail);
  return [{ written: text, spoken: english ? spoken : text }];
}
