/** A non-Node client: Python's `websockets` (Debian's python3-websockets), as Resemble's Python clients use. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE } from '../conformance/client.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';
import { childSandbox } from '../support/child-env.js';

const run = promisify(execFile);
// Debian's python3-websockets belongs to /usr/bin/python3, which may not be the python3 first on PATH.
const PYTHON = '/usr/bin/python3';

let server: Voxwire;
before(async () => {
  server = await startTestServer({ apiKeys: ['interop-key'] });
});
after(async () => {
  await server.close();
});

it('a Python websockets client streams the docs example and gets a valid WAV', async () => {
  const sandbox = childSandbox();
  const out = path.join(sandbox.folder, 'hello.wav');
  const script = fileURLToPath(new URL('./resemble_client.py', import.meta.url));
  const { stdout } = await run(PYTHON, [script, server.streamUrl, DEFAULT_VOICE.uuid, out], { env: sandbox.env, timeout: 120_000 });
  const summary = JSON.parse(stdout) as { frames: number; bytes: number; text: string };
  assert.ok(summary.frames >= 1);
  assert.equal(summary.text, 'Hello from Python! This is a streaming test.');
  const { wav, seconds } = parseSpeechWav(readFileSync(out));
  assert.equal(wav.sampleRate, 22050);
  assert.equal(wav.bitsPerSample, 16);
  assert.ok(seconds > 1.5 && seconds < 6, `${seconds} s of audio`);
  sandbox.remove();
});
