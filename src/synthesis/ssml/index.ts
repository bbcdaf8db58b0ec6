/**
 * Request `data` → SynthesisPlan. Plain text is one speech item; SSML (data starting with `<speak`) is
 * parsed by a real XML parser under hard limits and turned into speech, pause and mark items. Anything the
 * server cannot honour is refused with InvalidSSML carrying the line and column.
 */
import { NEUTRAL_PROSODY } from '../../engines/engine.js';
import { isVoxwireError } from '../../protocol/errors.js';
import type { SynthesisPlan } from '../plan.js';
import { buildPlan } from './plan-builder.js';
import { DEFAULT_SSML_LIMITS, parseSsmlTree, type SsmlLimits } from './tree.js';

export { DEFAULT_SSML_LIMITS, type SsmlLimits };

/** True when `data`, after leading whitespace, starts with `<speak`. */
export function isSsml(data: string): boolean {
  return data.trimStart().startsWith('<speak');
}

export function planFromText(data: string): SynthesisPlan {
  return { items: [{ kind: 'speech', written: data, spoken: data, prosody: NEUTRAL_PROSODY }] };
}

/** Throws VoxwireError('InvalidSSML', …, { line, column }) for anything it cannot honour. */
export function planFromSsml(data: string, limits: Partial<SsmlLimits> = {}): SynthesisPlan {
  return buildPlan(parseSsmlTree(data, { ...DEFAULT_SSML_LIMITS, ...limits }));
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1;
  }
  return count;
}

/**
 * Upper bound for SSML that does not parse: characters outside `<…>`, entities counted as written. The
 * request is refused by planFromSsml anyway; this only has to be cheap and never throw.
 */
function lengthOutsideTags(data: string): number {
  let count = 0;
  let inTag = false;
  for (let i = 0; i < data.length; i += 1) {
    const code = data.charCodeAt(i);
    if (code === 60) inTag = true;
    else if (code === 62 && inTag) inTag = false;
    else if (!inTag && (code < 0xdc00 || code > 0xdfff)) count += 1;
  }
  return count;
}

/**
 * Characters of `data` as the TextTooLong limit counts them: the written text (tags removed, entities
 * decoded), in code points.
 */
export function spokenLength(data: string): number {
  if (!isSsml(data)) return codePoints(data);
  try {
    return planFromSsml(data).items.reduce((sum, item) => sum + (item.kind === 'mark' ? 0 : codePoints(item.written)), 0);
  } catch (error) {
    if (!isVoxwireError(error)) throw error;
    return lengthOutsideTags(data);
  }
}
