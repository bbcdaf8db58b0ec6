/** `voxwire say` and `voxwire voices`, run as a user runs them: the real command in a child process. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { listVoices } from '../../src/voices/catalogue.js';
import { decodeMp3 } from '../audio/mpeg.js';
import type { Timestamps } from '../conformance/client.js';
import { assertTimestampInvariants, parseSpeechWav, rms } from '../conformance/server.js';
import { childSandbox } from '../support/child-env.js';
import { ENGINES_UNDER_TEST } from '../support/engines.js';

const execFileAsync = promisify(execFile);
const sandbox = childSandbox();
const folder = sandbox.folder;
const run = (command: string, ...args: string[]) => execFileAsync(process.execPath, sandbox.args(command, ...args), { env: sandbox.env });

it('say writes a WAV at the asked rate and precision, and timestamps that match it', async () => {
  const out = path.join(folder, 'hello.wav');
  const stamps = path.join(folder, 'hello.json');
  const text = 'Hello there, from the command line.';
  const { stderr } = await run('say', text, '-o', out, '--sample-rate', '16000', '--precision', 'PCM_24', '--timestamps', stamps);
  assert.match(stderr, /Wrote .*hello\.wav/);
  const bytes = readFileSync(out);
  const { wav, seconds } = parseSpeechWav(bytes);
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.bitsPerSample, 24);
  assert.equal(bytes.readUInt32LE(40), bytes.length - 44, 'a file has its real data size');
  const timestamps = JSON.parse(readFileSync(stamps, 'utf8')) as Timestamps;
  assertTimestampInvariants(timestamps, text, seconds);
  assert.ok(Math.abs(seconds - timestamps.graph_times.at(-1)![1]) < 0.02);
});

it('say reads standard input, picks a voice by language, and writes MP3 by extension', async () => {
  const out = path.join(folder, 'bonjour.mp3');
  const child = spawn(process.execPath, sandbox.args('say', '--voice', 'fr-FR', '-o', out), { env: sandbox.env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdin.end('Bonjour tout le monde.');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /French/);
  const decoded = await decodeMp3(readFileSync(out));
  assert.equal(decoded.errors, 0);
  assert.ok(rms(decoded.samples) > 0.02);
});

it('say speaks with a voice of every engine, picked by uuid or by name', async () => {
  const picks = [...ENGINES_UNDER_TEST.map(({ voice }) => [voice.uuid, voice] as const), ['slt', listVoices().find((voice) => voice.key === 'flite/slt')!] as const];
  for (const [pick, voice] of picks) {
    const out = path.join(folder, `pick-${voice.key.replace(/\W+/g, '-')}.wav`);
    const { stderr } = await run('say', 'Every engine speaks from the command line.', '-o', out, '--voice', pick, '--sample-rate', '22050');
    assert.ok(stderr.includes(`voice ${voice.name}`), `${pick}: ${stderr}`);
    const { wav, seconds } = parseSpeechWav(readFileSync(out));
    assert.equal(wav.sampleRate, 22050);
    assert.ok(seconds > 1, `${pick}: ${seconds} s`);
  }
});

it('say refuses an unknown voice and bad SSML with exit code 2 and a clear message', async () => {
  await assert.rejects(run('say', 'Hi', '-o', path.join(folder, 'x.wav'), '--voice', 'Nobody'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /no voice matches "Nobody"/);
    return true;
  });
  await assert.rejects(run('say', '<speak><b>bold</b></speak>', '-o', path.join(folder, 'y.wav')), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /InvalidSSML/);
    return true;
  });
});

it('voices lists every built-in voice with its uuid', async () => {
  const { stdout } = await run('voices');
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, listVoices().length);
  for (const voice of listVoices()) assert.ok(lines.some((line) => line.startsWith(voice.uuid) && line.includes(voice.name) && line.includes(voice.engine)), voice.name);
});
