/**
 * The key store from the CLI to the wire: a created key works on WebSocket, /synthesize, /stream and
 * /voices; a revoked key is refused by the next request; the database never holds a key in clear.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { runKeysCommand } from '../../src/cli/keys.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send } from '../http/http-client.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-keys-'));

async function keys(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeysCommand(args, dataDir, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

let voxwire: Voxwire;
let key = '';
let otherKey = '';

before(async () => {
  const created = await keys('create', '--name', 'ci');
  assert.equal(created.code, 0, created.err.join('\n'));
  assert.equal(created.out.length, 1, 'stdout holds the key and nothing else');
  key = created.out[0]!;
  otherKey = (await keys('create', '--name=second')).out[0]!;
  voxwire = await startTestServer({ workers: 1, dataDir });
});
after(async () => {
  await voxwire.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function allTransports(secret: string): Promise<{ ws: string; synthesize: number; stream: number; voices: number }> {
  const headers = { authorization: `Bearer ${secret}` };
  const client = await TestClient.connect(voxwire.streamUrl, headers);
  client.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Key check.', sample_rate: 8000 });
  const [terminal] = await client.waitForTerminals(1);
  client.close();
  const body = { voice_uuid: DEFAULT_VOICE.uuid, data: 'Key check.', sample_rate: 8000 };
  return {
    ws: terminal === undefined ? `closed ${client.closeCode}` : String(terminal['error_name'] ?? terminal.type),
    synthesize: (await send(voxwire.url, '/synthesize', { headers, body })).status,
    stream: (await send(voxwire.url, '/stream', { headers, body })).status,
    voices: (await send(voxwire.url, '/api/v2/voices', { headers })).status,
  };
}

test('a created key works on WebSocket, /synthesize, /stream and /voices; no key is refused', async () => {
  assert.match(key, /^vw_[A-Za-z0-9_-]{40,}$/);
  assert.deepEqual(await allTransports(key), { ws: 'audio_end', synthesize: 200, stream: 200, voices: 200 });
  assert.equal((await send(voxwire.url, '/api/v2/voices')).status, 401, 'with a key store, a request without a key is refused');
});

test('list shows names and ids, never keys; names are unique among active keys; usage errors', async () => {
  const listed = await keys('list');
  assert.equal(listed.code, 0);
  const text = listed.out.join('\n');
  assert.match(text, /\bci\b/);
  assert.match(text, /\bsecond\b/);
  assert.ok(!text.includes(key) && !text.includes(key.slice(3, 15)), 'no key, not even a part of one');
  assert.equal((await keys('create', '--name', 'ci')).code, 1, 'duplicate name');
  assert.equal((await keys('create')).code, 2);
  assert.equal((await keys('frobnicate')).code, 2);
  assert.equal((await keys('revoke', 'no-such-key')).code, 1);
});

test('the database files hold digests, never a key in clear', () => {
  const files = readdirSync(dataDir).map((name) => path.join(dataDir, name)).filter((file) => statSync(file).isFile());
  assert.ok(files.length > 0);
  const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
  for (const secret of [key, otherKey]) {
    assert.equal(bytes.indexOf(Buffer.from(secret, 'utf8')), -1, 'the key is not in the files');
    assert.equal(bytes.indexOf(Buffer.from(secret.slice(3), 'utf8')), -1, 'nor its random part');
    assert.equal(bytes.indexOf(Buffer.from(secret, 'utf16le')), -1, 'nor in UTF-16');
    assert.notEqual(bytes.indexOf(createHash('sha256').update(secret).digest()), -1, 'its SHA-256 digest is what the file holds');
  }
  if (process.platform !== 'win32') {
    assert.equal(statSync(path.join(dataDir, 'keys.sqlite')).mode & 0o077, 0, 'the database is private to its owner');
  }
});

test('a key revoked from the CLI is refused within a second or two on every transport, its open socket is closed; other keys still work', async () => {
  const open = await TestClient.connect(voxwire.streamUrl, { authorization: `Bearer ${key}` });
  open.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Still trusted.', sample_rate: 8000 });
  assert.equal((await open.waitForTerminals(1))[0]?.type, 'audio_end', 'the socket is served before the revocation');
  const revoked = await keys('revoke', 'ci');
  assert.equal(revoked.code, 0, revoked.err.join('\n'));
  const revokedAt = Date.now();
  // The server re-reads the database every second and sweeps its sockets every half second.
  assert.equal(await open.waitForClose(), 1008, 'the revoked key\'s open socket is closed as Unauthorized');
  const closedAfterMs = Date.now() - revokedAt;
  assert.ok(closedAfterMs < 3000, `closed ${closedAfterMs} ms after the revocation`);
  assert.equal(open.frames.at(-1)?.['error_name'], 'Unauthorized');
  const refused = await allTransports(key);
  assert.deepEqual(refused, { ws: 'Unauthorized', synthesize: 401, stream: 401, voices: 401 });
  assert.deepEqual(await allTransports(otherKey), { ws: 'audio_end', synthesize: 200, stream: 200, voices: 200 });
  const client = await TestClient.connect(voxwire.streamUrl, { authorization: `Bearer ${key}` });
  assert.equal(await client.waitForClose(), 1008);
});

test('revoking the last key (by id) does not open the server: requests still need a key', async () => {
  const listed = (await keys('list')).out.find((line) => /\bsecond\b/.test(line) && /active/.test(line));
  const id = listed?.split(/\s+/)[0] ?? '';
  assert.match(id, /^k_[0-9a-f]{12}$/);
  assert.equal((await keys('revoke', id)).code, 0);
  const headers = { authorization: `Bearer ${otherKey}` };
  const deadline = Date.now() + 3000;
  while ((await send(voxwire.url, '/api/v2/voices', { headers })).status !== 401) {
    assert.ok(Date.now() < deadline, 'the revocation reaches the server within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const response = await send(voxwire.url, '/api/v2/voices');
  assert.equal(response.status, 401);
  assert.equal(jsonOf(response)['error_name'], 'Unauthorized');
  assert.equal((await send(voxwire.url, '/api/v2/voices', { headers })).status, 401);
});
