/**
 * What one request may cost (protocol.md, "What one request may cost"), checked on the plan before any
 * audio is made. Silence and rate are bounded while the SSML is read, where the offending element's line and
 * column are known (ssml/plan-builder.ts, ssml/prosody.ts); the character counts are checked here, on the
 * finished plan, whatever the plan came from.
 */
import { SynthesisError } from './errors.js';
import type { SynthesisPlan } from './plan.js';

export interface CostBudget {
  /** Characters of written text (`data` without tags). */
  readonly writtenChars: number;
  /** Characters the engine is asked to say: text, aliases, IPA, say-as expansions. */
  readonly spokenChars: number;
}

/** The budget of a request whose written text may have `writtenLimit` characters: spoken text twice that. */
export function costBudget(writtenLimit: number): CostBudget {
  return { writtenChars: writtenLimit, spokenChars: 2 * writtenLimit };
}

export interface PlanCost {
  readonly writtenChars: number;
  readonly spokenChars: number;
}

/** Code points of a string (a low surrogate completes a character already counted). */
export function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1;
  }
  return count;
}

/**
 * What a lone letter costs: the engine reads it by its name ("ay", "bee", "double-u") as an utterance of its
 * own, with the pauses around it: about 0.65 s with flite's voices, what ten characters of running text take.
 * Counted as one character, the 2,000 spelled letters the written limit allows made more audio (at 48 kHz
 * PCM_32) than a /synthesize answer may hold, so each counts as ten.
 */
const SPELLED_LETTER_CHARS = 10;

const LONE_LETTER = /^\p{L}$/u;

/** What a plan costs: its written characters and what the engine will read (IPA instead of text when given). */
export function planCost(plan: SynthesisPlan): PlanCost {
  let writtenChars = 0;
  let spokenChars = 0;
  for (const item of plan.items) {
    if (item.kind === 'mark') continue;
    writtenChars += codePoints(item.written);
    if (item.kind !== 'speech') continue;
    const spoken = item.ipa ?? item.spoken;
    spokenChars += item.ipa === undefined && LONE_LETTER.test(spoken.trim()) ? SPELLED_LETTER_CHARS : codePoints(spoken);
  }
  return { writtenChars, spokenChars };
}

/** The plan's cost, or a 'too-long' SynthesisError when it is over the budget (the written limit is checked first). */
export function checkBudget(plan: SynthesisPlan, budget: CostBudget): PlanCost {
  const cost = planCost(plan);
  if (cost.writtenChars > budget.writtenChars) {
    throw new SynthesisError('too-long', `\`data\` has ${cost.writtenChars} characters (not counting tags); the limit is ${budget.writtenChars}.`, {
      length: cost.writtenChars,
      max_length: budget.writtenChars,
    });
  }
  if (cost.spokenChars > budget.spokenChars) {
    throw new SynthesisError(
      'too-long',
      `\`data\` asks for ${cost.spokenChars} characters to be spoken (aliases, phonemes and say-as expansions included); the limit is ${budget.spokenChars}.`,
      { spoken_length: cost.spokenChars, max_spoken_length: budget.spokenChars },
    );
  }
  return cost;
}
