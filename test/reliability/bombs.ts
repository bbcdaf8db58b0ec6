/**
 * Cost bombs (issue 11): small requests that once asked for hours of audio, minutes of engine time or seconds
 * of main-thread parsing, and a few invented in the same families. Each is built for a written-text limit
 * (3,000 on WebSocket, 2,000 on HTTP) and says what the contract makes of it: refused with a catalogue error
 * before any audio is made, or served within the request's budget. Shared by the budget test and the fuzzer.
 */
import type { ErrorName } from '../../src/protocol/errors.js';

export type BombOutcome =
  | { readonly kind: 'refused'; readonly name: ErrorName; readonly field?: string; readonly line?: number; readonly column?: number }
  | { readonly kind: 'served' };

export interface Bomb {
  readonly label: string;
  data(writtenLimit: number): string;
  readonly outcome: BombOutcome;
}

const speak = (inner: string): string => `<speak>${inner}</speak>`;
/** Words separated by spaces, `chars` characters in all. */
const words = (chars: number): string => 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);
const refused = (name: ErrorName, at: { line?: number; column?: number; field?: string } = {}): BombOutcome => ({ kind: 'refused', name, ...at });
const served: BombOutcome = { kind: 'served' };

export const BOMBS: readonly Bomb[] = [
  // Silence: 30 s in all. `<break time="10s"/>` is 19 characters, so the fourth one (at column 8 + 3 × 19) crosses.
  { label: '360 breaks of 10 s (the 7.7 KB body of an hour of audio)', data: () => speak('<break time="10s"/>'.repeat(360)), outcome: refused('InvalidSSML', { line: 1, column: 65 }) },
  // 25 × 1.2 s is exactly 30 s; the 26th x-strong break (28 characters each) crosses.
  { label: '200 x-strong breaks', data: () => speak('<break strength="x-strong"/>'.repeat(200)), outcome: refused('InvalidSSML', { line: 1, column: 8 + 28 * 25 }) },
  // 120 paragraph pauses of 0.25 s are 30 s; the 121st paragraph's pause crosses.
  { label: '2,000 paragraphs, a pause after each', data: () => speak('<p>a</p>'.repeat(2000)), outcome: refused('InvalidSSML', { line: 1, column: 8 + 8 * 120 }) },
  {
    label: '3,000 breaks of 10 ms: exactly 30 s of silence',
    data: () => speak(`${'<break time="10ms"/>'.repeat(3000)}Done.`),
    outcome: served,
  },
  // Rate: never slower than half speed after nesting.
  { label: 'x-slow inside x-slow', data: () => speak('<prosody rate="x-slow"><prosody rate="x-slow">slow</prosody></prosody>'), outcome: refused('InvalidSSML', { line: 1, column: 31 }) },
  { label: '40 nested 98% rates', data: () => speak(`${'<prosody rate="98%">'.repeat(40)}slow${'</prosody>'.repeat(40)}`), outcome: refused('InvalidSSML', { line: 1, column: 8 + 20 * 34 }) },
  // Spoken text: at most twice the written limit.
  { label: 'a 75 KB <sub alias>', data: () => speak(`<sub alias="${words(75_000)}">x</sub>`), outcome: refused('TextTooLong') },
  { label: 'an alias one character over the spoken budget', data: (limit) => speak(`<sub alias="${words(2 * limit + 1)}">x</sub>`), outcome: refused('TextTooLong') },
  { label: 'a <phoneme ph> over the spoken budget', data: (limit) => speak(`<phoneme alphabet="ipa" ph="${'hə '.repeat(limit)}">x</phoneme>`), outcome: refused('TextTooLong') },
  ...(['cardinal', 'digits', 'telephone', 'characters'] as const).map((as): Bomb => ({
    label: `<say-as interpret-as="${as}"> of as many digits as the written limit`,
    data: (limit) => speak(`<say-as interpret-as="${as}">${'9'.repeat(limit)}</say-as>`),
    outcome: refused('TextTooLong'),
  })),
  { label: 'dates that expand threefold', data: (limit) => speak('<say-as interpret-as="date" format="ymd">2024-12-31</say-as> '.repeat(Math.floor(limit / 11))), outcome: refused('TextTooLong') },
  { label: 'times that expand fivefold', data: (limit) => speak('<say-as interpret-as="time">12:59:59pm</say-as> '.repeat(Math.floor(limit / 11))), outcome: refused('TextTooLong') },
  // A spelled letter is read by its name, an utterance of its own: it counts as 10 spoken characters.
  { label: 'letters spelled out, as many as the written limit', data: (limit) => speak(`<say-as interpret-as="characters">${'abc'.repeat(limit / 3)}</say-as>`), outcome: refused('TextTooLong') },
  {
    label: 'letters spelled out, as many as the spoken budget allows',
    data: (limit) => speak(`<say-as interpret-as="characters">${'abc'.repeat(Math.floor((2 * limit) / 30))}</say-as>`),
    outcome: served,
  },
  {
    label: 'an alias just within the spoken budget, among 2,000 marks',
    data: (limit) => speak(`${'<mark name="m"/>'.repeat(2000)}<sub alias="${words(2 * limit - 10)}">x</sub>`),
    outcome: served,
  },
  // Parsing: linear, capped at 64 KiB.
  { label: '3,900 marks (62 KB)', data: () => speak(`${'<mark name="m"/>'.repeat(3900)}Hello.`), outcome: served },
  { label: '4,990 marks (80 KB, over the byte cap)', data: () => speak(`${'<mark name="m"/>'.repeat(4990)}Hello.`), outcome: refused('TextTooLong') },
  { label: 'repeated &amp; past the written limit', data: (limit) => speak('&amp;'.repeat(limit + 1)), outcome: refused('TextTooLong') },
  { label: 'repeated emoji references past the written limit', data: (limit) => speak('&#x1F600;'.repeat(limit + 1)), outcome: refused('TextTooLong') },
  // Text and segmentation.
  { label: 'one token as long as the written limit', data: (limit) => 'x'.repeat(limit), outcome: served },
  { label: 'a NUL in plain text', data: () => 'Hello\u0000 world', outcome: refused('InvalidRequest', { field: 'data' }) },
  { label: 'a DOCTYPE after an XML declaration', data: () => '<?xml version="1.0"?><!DOCTYPE speak [<!ENTITY a "aaaa">]><speak>&a;</speak>', outcome: refused('InvalidSSML', { line: 1, column: 22 }) },
  { label: '<SPEAK> in capitals', data: () => '<SPEAK>Hello</SPEAK>', outcome: refused('InvalidSSML', { line: 1, column: 1 }) },
];
