/**
 * Issue 15: the README's voice-agent examples, run as written (Python's websockets and TypeScript's ws)
 * against a real server: the barge-in cancels its first reply and gets the second in full; the LLM token
 * stream gets its text back from the timestamps and a WAV of speech.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { promisify } from 'node:util';
import type { Voxwire } from '../../src/app.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';
import { childSandbox, REPO_ROOT } from '../support/child-env.js';

const run = promisify(execFile);
// Debian's python3-websockets belongs to /usr/bin/python3, which may not be the python3 first on PATH.
const PYTHON = '/usr/bin/python3';
const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const REPLY = 'Sure! Your table for four is booked for eight tonight, and the confirmation is on its way to your phone.';

/** The README's code block whose first line names `file`. */
function example(file: string): string {
  const block = [...README.matchAll(/```(?:python|ts)\n((?:# |\/\/ )(\S+) —[^\n]*\n[\s\S]*?)```/g)].find((match) => match[2] === file);
  assert.ok(block, `README has an example named ${file}`);
  return block[1]!;
}

let server: Voxwire;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

/**
 * Runs an example in a fresh folder, pointed at the test's server. The TypeScript ones import `ws` by its
 * resolved location, since the folder is outside the checkout and has no node_modules.
 */
async function runExample(file: string): Promise<{ stdout: string; folder: string; remove: () => void }> {
  const sandbox = childSandbox();
  const source = example(file).replace('ws://127.0.0.1:8080/stream', server.streamUrl).replace("from 'ws'", `from '${import.meta.resolve('ws')}'`);
  const script = path.join(sandbox.folder, file);
  writeFileSync(script, source);
  const command = file.endsWith('.py') ? [PYTHON, script] : [process.execPath, '--import', import.meta.resolve('tsx'), script];
  const { stdout } = await run(command[0]!, command.slice(1), { cwd: sandbox.folder, env: sandbox.env, timeout: 120_000 });
  return { stdout, folder: sandbox.folder, remove: () => sandbox.remove() };
}

for (const file of ['barge_in.py', 'barge-in.ts']) {
  it(`${file}: the first reply ends cancelled, the second is complete, on one socket`, async () => {
    const { stdout, remove } = await runExample(file);
    try {
      assert.deepEqual(stdout.trim().split('\n'), ['reply 1 cancelled', 'reply 2 complete']);
    } finally {
      remove();
    }
  });
}

for (const file of ['llm_stream.py', 'llm-stream.ts']) {
  it(`${file}: the streamed reply's timestamps give back its text, and its audio is speech`, async () => {
    const { stdout, folder, remove } = await runExample(file);
    try {
      assert.equal(stdout.trim(), REPLY);
      const { wav, seconds } = parseSpeechWav(readFileSync(path.join(folder, 'reply.wav')));
      assert.equal(wav.sampleRate, 22050);
      assert.ok(seconds > 4 && seconds < 12, `${seconds} s of audio`);
    } finally {
      remove();
    }
  });
}
