/** Synthesis's own error values become the catalogue's in one place (protocol/errors.ts, catalogueError). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogueError, VoxwireError, type ErrorName } from '../../src/protocol/errors.js';
import { SynthesisError, type SynthesisErrorKind } from '../../src/synthesis/errors.js';

const EXPECTED: Record<SynthesisErrorKind, { name: ErrorName; status: number }> = {
  'invalid-markup': { name: 'InvalidSSML', status: 400 },
  'too-long': { name: 'TextTooLong', status: 400 },
  'unreadable-text': { name: 'InvalidRequest', status: 400 },
  'engine-unavailable': { name: 'SynthesisFailure', status: 500 },
  'engine-failed': { name: 'SynthesisFailure', status: 500 },
};

describe('catalogueError', () => {
  for (const [kind, { name, status }] of Object.entries(EXPECTED) as [SynthesisErrorKind, { name: ErrorName; status: number }][]) {
    it(`maps a '${kind}' synthesis error to ${name} with its message and params`, () => {
      const error = catalogueError(new SynthesisError(kind, 'what went wrong', { line: 3, engine: 'flite' }));
      assert.ok(error instanceof VoxwireError);
      assert.equal(error.errorName, name);
      assert.equal(error.status, status);
      assert.equal(error.closeCode, null);
      assert.equal(error.message, 'what went wrong');
      assert.equal(error.params['line'], 3);
      assert.equal(error.params['engine'], 'flite');
    });
  }
  it('names the data field of text an engine cannot read', () => {
    assert.equal(catalogueError(new SynthesisError('unreadable-text', 'no rules for 日'))?.params['field'], 'data');
  });
  it("keeps an engine failure's cause for the log", () => {
    const cause = new Error('wasm trap');
    assert.equal(catalogueError(new SynthesisError('engine-failed', 'failed', {}, { cause }))?.cause, cause);
    assert.equal(catalogueError(new SynthesisError('too-long', 'long'))?.cause, undefined);
  });
  it('passes errors of the catalogue through and knows nothing else', () => {
    const own = new VoxwireError('QueueFull', 'full');
    assert.equal(catalogueError(own), own);
    assert.equal(catalogueError(new Error('a bug')), undefined);
    assert.equal(catalogueError('text'), undefined);
  });
});
