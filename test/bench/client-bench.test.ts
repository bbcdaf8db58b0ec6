/**
 * `npm run bench:client --quick` runs end to end and prints its table: both clients and their paired
 * difference, each over every request. No timing is asserted: speed is what the benchmark reports.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { childSandbox } from '../support/child-env.js';

const RUN = fileURLToPath(new URL('../../bench/client.ts', import.meta.url));

// The bound only turns a hung benchmark into a failure (about a minute on a busy machine, with its build).
test('npm run bench:client --quick compares the typed client with a raw ws client', { timeout: 600_000 }, () => {
  const sandbox = childSandbox();
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', RUN, '--quick'], { env: sandbox.env, encoding: 'utf8', timeout: 590_000 });
    assert.equal(run.status, 0, `benchmark failed:\n${run.stderr}`);
    for (const label of ['raw ws client', 'VoxwireClient', 'client − raw (paired)']) {
      assert.match(run.stdout, new RegExp(`\\| ${label.replace(/[()]/g, '\\$&')} \\| 3 \\| -?\\d+(\\.\\d+)? \\|`), label);
    }
  } finally {
    sandbox.remove();
  }
});
