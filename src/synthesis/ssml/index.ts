/**
 * Request `data` → SynthesisPlan. Plain text is one speech item; SSML (data whose first element is
 * `<speak>`) is parsed by a real XML parser under hard limits and turned into speech, pause and mark items.
 * Anything the server cannot honour is refused with InvalidSSML carrying the line and column.
 */
import { NEUTRAL_PROSODY } from '../../engines/engine.js';
import type { SynthesisPlan } from '../plan.js';
import { buildPlan } from './plan-builder.js';
import { invalidSsml, PositionTracker } from './position.js';
import { DEFAULT_SSML_LIMITS, parseSsmlTree, type SsmlLimits } from './tree.js';

export { DEFAULT_SSML_LIMITS, type SsmlLimits };

const isXmlSpace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
const ELEMENT_NAME = /[A-Za-z_:][\w.:-]*/y;

/**
 * Where the first element (or a DOCTYPE) may start: after an optional byte-order mark, whitespace, an XML
 * declaration, comments and processing instructions (protocol.md, "What counts as SSML"). One forward pass:
 * each construct is skipped with one search for its end.
 */
function prologEnd(data: string): number {
  let at = data.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (at < data.length && isXmlSpace(data.charCodeAt(at))) at += 1;
    const close = data.startsWith('<?', at) ? '?>' : data.startsWith('<!--', at) ? '-->' : undefined;
    if (close === undefined) return at;
    const end = data.indexOf(close, at + 2);
    if (end < 0) return at;
    at = end + close.length;
  }
}

/** The name of `data`'s first element when nothing but a prolog comes before it, '!DOCTYPE' for a DTD there. */
function firstElement(data: string): { name: string; at: number } | undefined {
  const at = prologEnd(data);
  if (data.startsWith('<!DOCTYPE', at)) return { name: '!DOCTYPE', at };
  if (data.charCodeAt(at) !== 0x3c) return undefined;
  ELEMENT_NAME.lastIndex = at + 1;
  const name = ELEMENT_NAME.exec(data)?.[0];
  return name === undefined ? undefined : { name, at };
}

/** True when `data` is SSML: its first element is `<speak>`, or a DTD stands where it would (to be refused). */
export function isSsml(data: string): boolean {
  const first = firstElement(data)?.name;
  return first === 'speak' || first === '!DOCTYPE';
}

export function planFromText(data: string): SynthesisPlan {
  return { items: [{ kind: 'speech', written: data, spoken: data, prosody: NEUTRAL_PROSODY }] };
}

/**
 * Throws SynthesisError('invalid-markup', …, { line, column }) for anything it cannot honour, including a
 * language switch to a language that `speaks` says no voice speaks.
 */
export function planFromSsml(data: string, limits: Partial<SsmlLimits> = {}, speaks?: (language: string) => boolean): SynthesisPlan {
  const all = { ...DEFAULT_SSML_LIMITS, ...limits };
  return buildPlan(parseSsmlTree(data, all), all.maxSilenceSeconds, speaks);
}

/**
 * The plan of any `data`: SSML when it is SSML, plain text otherwise. `<SPEAK>` or `<Speak>` is neither:
 * XML names are case-sensitive, so it is not SSML, and reading its tags aloud is never what was meant, so it
 * is refused with InvalidSSML at the element, naming the spelling that works.
 */
export function planFromData(data: string, limits: Partial<SsmlLimits> = {}, speaks?: (language: string) => boolean): SynthesisPlan {
  const first = firstElement(data);
  if (first?.name === 'speak' || first?.name === '!DOCTYPE') return planFromSsml(data, limits, speaks);
  if (first !== undefined && first.name.toLowerCase() === 'speak') {
    throw invalidSsml(`element names are case-sensitive: write <speak>, not <${first.name}>`, new PositionTracker(data).at(first.at));
  }
  return planFromText(data);
}
