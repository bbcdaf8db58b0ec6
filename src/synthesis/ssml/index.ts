/**
 * Request `data` → SynthesisPlan. Plain text is one speech item; SSML (data starting with `<speak`) is
 * parsed by a real XML parser under hard limits and turned into speech, pause and mark items. Anything the
 * server cannot honour is refused with InvalidSSML carrying the line and column.
 */
import { NEUTRAL_PROSODY } from '../../engines/engine.js';
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

/**
 * Throws VoxwireError('InvalidSSML', …, { line, column }) for anything it cannot honour, including a
 * language switch to a language that `speaks` says no voice speaks.
 */
export function planFromSsml(data: string, limits: Partial<SsmlLimits> = {}, speaks?: (language: string) => boolean): SynthesisPlan {
  return buildPlan(parseSsmlTree(data, { ...DEFAULT_SSML_LIMITS, ...limits }), speaks);
}
