/** Issue 7, CI-sized protocol fuzzing: a few hundred generated sessions against a real server. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { startTestServer } from '../conformance/server.js';
import { runFuzz } from './protocol-fuzz.js';
import { waitUntil } from './wait.js';

let server: Voxwire;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

it('fuzzed frames, fields, SSML and closes: one right terminal per frame, sockets usable, steady clients served', async () => {
  const result = await runFuzz(server.streamUrl, 150);
  assert.equal(result.sessions, 150);
  assert.ok(result.wellBehaved >= 2, `the well-behaved clients were served throughout (${result.wellBehaved} requests)`);
  await waitUntil(() => server.server.sessions.size === 0, 5000, 'every fuzzing socket to be gone');
});
