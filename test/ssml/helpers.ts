/**
 * Shared checks for the SSML tests: every plan is checked against the written-text invariant, using an
 * oracle independent of the plan builder (saxes' own text events inside the root element).
 */
import assert from 'node:assert/strict';
import { SaxesParser } from 'saxes';
import { wireError } from '../support/wire-error.js';
import type { PlanItem, SpeechItem, SynthesisPlan } from '../../src/synthesis/plan.js';
import { planFromSsml } from '../../src/synthesis/ssml/index.js';

/** `data` with tags removed and entities decoded: the text nodes inside the root, in order. */
export function textWithoutTags(data: string): string {
  const parser = new SaxesParser({});
  let depth = 0;
  let text = '';
  parser.on('opentag', () => { depth += 1; });
  parser.on('closetag', () => { depth -= 1; });
  parser.on('text', (t) => { if (depth > 0) text += t; });
  parser.on('cdata', (t) => { if (depth > 0) text += t; });
  parser.write(data).close();
  return text;
}

export function writtenOf(plan: SynthesisPlan): string {
  return plan.items.map((item) => (item.kind === 'mark' ? '' : item.written)).join('');
}

/** Plans `data` and asserts the invariant: joined `written` equals the text without tags. */
export function plan(data: string): SynthesisPlan {
  const result = planFromSsml(data);
  assert.equal(writtenOf(result), textWithoutTags(data), 'joined written text must equal data without tags');
  for (const item of result.items) {
    if (item.kind === 'speech') assert.notEqual(item.spoken.trim(), '', 'no speech item is silent');
  }
  return result;
}

export function speech(result: SynthesisPlan): SpeechItem[] {
  return result.items.filter((item): item is SpeechItem => item.kind === 'speech');
}

export function only<T extends PlanItem['kind']>(result: SynthesisPlan, kind: T): Extract<PlanItem, { kind: T }>[] {
  return result.items.filter((item): item is Extract<PlanItem, { kind: T }> => item.kind === kind);
}

/** Asserts that planning throws InvalidSSML at `line`:`column`, with a message matching `pattern`. */
export function assertInvalid(data: string, line: number, column: number, pattern: RegExp): void {
  assert.throws(
    () => planFromSsml(data),
    (thrown: unknown) => {
      const error = wireError(thrown);
      assert.equal(error.errorName, 'InvalidSSML');
      assert.equal(error.status, 400);
      assert.equal(error.closeCode, null);
      assert.deepEqual({ line: error.params.line, column: error.params.column }, { line, column }, error.message);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

/** Asserts InvalidSSML without caring where (hostile input whose position is incidental). */
export function assertRefused(data: string): void {
  assert.throws(() => planFromSsml(data), (thrown: unknown) => {
    const error = wireError(thrown);
    return error.errorName === 'InvalidSSML' && typeof error.params.line === 'number' && typeof error.params.column === 'number';
  });
}

export function near(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, message ?? `${actual} ≉ ${expected}`);
}
