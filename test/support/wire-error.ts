/**
 * What a client would be told about an error thrown below the transport: synthesis throws its own error
 * values, and the protocol maps them to the catalogue (catalogueError). Unit tests of synthesis assert on
 * that mapped form, so they check what reaches the wire.
 */
import assert from 'node:assert/strict';
import { catalogueError, type VoxwireError } from '../../src/protocol/errors.js';

export function wireError(thrown: unknown): VoxwireError {
  const error = catalogueError(thrown);
  assert.ok(error !== undefined, `expected an error of the catalogue, got ${String(thrown)}`);
  return error;
}
