/**
 * Issue 11, keys: the key database held locked by another process, or corrupted, while the server runs:
 * the server stays up, the upgrade is answered (close 1011) and HTTP gets 503, `/health` stays fast, and
 * service comes back when the database does. A read-only data dir with a valid database serves. Every
 * database error names `--data-dir` and the file.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Voxwire } from '../../src/app.js';
import { runKeysCommand } from '../../src/cli/keys.js';
import { KeyStore } from '../../src/keys/store.js';
import { REFRESH_INTERVAL_MS, STALE_LIMIT_MS } from '../../src/keys/store-verifier.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send } from '../http/http-client.js';

const SPEECH = { voice_uuid: DEFAULT_VOICE.uuid, data: 'Key check.', sample_rate: 8000 };
const SILENT = { out: () => undefined, err: () => undefined };

async function createKey(dataDir: string, name: string): Promise<string> {
  const out: string[] = [];
  assert.equal(await runKeysCommand(['create', '--name', name], dataDir, { ...SILENT, out: (line) => out.push(line) }), 0);
  return out[0]!;
}

async function healthMs(url: string): Promise<number> {
  const started = performance.now();
  const response = await send(url, '/health');
  assert.equal(response.status, 200);
  return performance.now() - started;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/**
 * `/health` timings, asked every 10 ms for `ms` while another client keeps sending keyed requests (each of which
 * makes the server look at its keys).
 */
async function healthTimings(url: string, key: string, ms: number): Promise<number[]> {
  const timings: number[] = [];
  const started = Date.now();
  let keyed = 0;
  const neighbour = (async () => {
    while (Date.now() - started < ms) {
      await send(url, '/api/v2/voices', { headers: { authorization: `Bearer ${key}` } });
      keyed += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  while (Date.now() - started < ms) {
    timings.push(await healthMs(url));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await neighbour;
  assert.ok(keyed > 10, `keyed requests were made meanwhile (${keyed})`);
  return timings;
}

/**
 * `/health` under a fault against the same traffic with a healthy database: median and p95 within 3x theirs
 * + 20 ms, and no answer anywhere near the 5 s a busy timeout would block for.
 */
function assertHealthFast(timings: readonly number[], baseline: readonly number[], what: string): void {
  for (const q of [0.5, 0.95]) {
    const bound = 3 * quantile(baseline, q) + 20;
    const seen = quantile(timings, q);
    assert.ok(seen < bound, `/health ${what}: q${q} ${seen.toFixed(1)} ms, bound ${bound.toFixed(1)} ms (${timings.length} requests)`);
  }
  const max = Math.max(...timings);
  assert.ok(max < 1000, `/health ${what}: slowest ${max.toFixed(0)} ms`);
}

/** What one upgrade with `key` ends in: `audio_end`, an error name, or `closed <code>`. */
async function streamOnce(url: string, key: string): Promise<string> {
  let client: TestClient;
  try {
    client = await TestClient.connect(url, { authorization: `Bearer ${key}` });
  } catch (error) {
    return `refused ${(error as Error).message}`;
  }
  client.send(SPEECH);
  const [terminal] = await client.waitForTerminals(1);
  const code = await client.waitForClose().catch(() => undefined);
  client.close();
  return terminal === undefined ? `closed ${code}` : String(terminal['error_name'] ?? terminal.type);
}

/** Waits (event by event, bounded) until `check` holds, for states the server reaches on its refresh timer. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Past the staleness limit, with a refresh or two for margin. */
const UNTRUSTED_AFTER_MS = STALE_LIMIT_MS + 2 * REFRESH_INTERVAL_MS;

describe('a database another process holds locked, then corrupts', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-dbfault-'));
  const file = path.join(dataDir, 'keys.sqlite');
  let server: Voxwire;
  let key = '';
  let baseline: number[] = [];
  before(async () => {
    key = await createKey(dataDir, 'fault');
    server = await startTestServer({ workers: 1, dataDir });
    baseline = await healthTimings(server.url, key, 1500);
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('locked (BEGIN EXCLUSIVE): /health stays fast, the upgrade is answered with 1011, HTTP with 503, then service returns', async () => {
    assert.equal(await streamOnce(server.streamUrl, key), 'audio_end');
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      assertHealthFast(await healthTimings(server.url, key, UNTRUSTED_AFTER_MS), baseline, 'under the lock');
      const upgradeStarted = performance.now();
      assert.equal(await streamOnce(server.streamUrl, key), 'closed 1011', 'the upgrade is answered, not thrown');
      const upgradeMs = performance.now() - upgradeStarted;
      assert.ok(upgradeMs < 1000, `the refusal took ${upgradeMs.toFixed(0)} ms, not a busy timeout`);
      const refused = await send(server.url, '/api/v2/voices', { headers: { authorization: `Bearer ${key}` } });
      assert.equal(refused.status, 503);
      assert.equal(jsonOf(refused)['error_name'], 'ServiceUnavailable');
      assert.ok(refused.headers['retry-after'] !== undefined);
      assert.equal((await send(server.url, '/api/v2/voices', { headers: { authorization: 'Bearer wrong' } })).status, 503, 'no key is judged while none can be read');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    await eventually(async () => (await send(server.url, '/api/v2/voices', { headers: { authorization: `Bearer ${key}` } })).status === 200, 3000, 'service returns after the lock');
    assert.equal(await streamOnce(server.streamUrl, key), 'audio_end');
  });

  it('corrupted in place: the server stays up, answers 1011 / 503, /health stays fast; a repaired file serves again', async () => {
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 0x5a));
    try {
      assertHealthFast(await healthTimings(server.url, key, UNTRUSTED_AFTER_MS), baseline, 'with a corrupted database');
      assert.equal(await streamOnce(server.streamUrl, key), 'closed 1011');
      const refused = await send(server.url, '/synthesize', { headers: { authorization: `Bearer ${key}` }, body: SPEECH });
      assert.equal(refused.status, 503);
      assert.doesNotMatch(String(jsonOf(refused)['message']), /sqlite|\/tmp\//i, 'clients are not told the path');
      assert.equal((await send(server.url, '/health')).status, 200, 'still up');
    } finally {
      writeFileSync(file, good);
    }
    await eventually(async () => (await streamOnce(server.streamUrl, key)) === 'audio_end', 5000, 'service returns once the file is good again');
  });
});

describe('a database file removed or replaced while the server runs', () => {
  it('removed: the server never turns keyless (503, then keys again once a file is back); replaced: the new file is read', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-dbswap-'));
    const spare = mkdtempSync(path.join(tmpdir(), 'voxwire-dbspare-'));
    const file = path.join(dataDir, 'keys.sqlite');
    const key = await createKey(dataDir, 'original');
    const replacement = await createKey(spare, 'replacement');
    const server = await startTestServer({ workers: 1, dataDir });
    try {
      const moved = `${file}.moved`;
      renameSync(file, moved);
      const removedAt = Date.now();
      while (Date.now() - removedAt < UNTRUSTED_AFTER_MS) {
        const status = (await send(server.url, '/api/v2/voices')).status;
        assert.ok(status === 401 || status === 503, `a request without a key gets ${status}, never 200`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal((await send(server.url, '/api/v2/voices', { headers: { authorization: `Bearer ${key}` } })).status, 503, 'a key cannot be judged');
      renameSync(path.join(spare, 'keys.sqlite'), file);
      const headers = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
      await eventually(async () => (await send(server.url, '/api/v2/voices', { headers: headers(replacement) })).status === 200, 3000, 'the replacement file is read');
      assert.equal((await send(server.url, '/api/v2/voices', { headers: headers(key) })).status, 401, 'the keys of the old file are gone with it');
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(spare, { recursive: true, force: true });
    }
  });
});

describe('database errors name --data-dir and the file', () => {
  it('a corrupted database stops the start (CLI and server) with an error naming both', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-dbcorrupt-'));
    try {
      const file = path.join(dataDir, 'keys.sqlite');
      writeFileSync(file, 'this is not a database, only text long enough to look like a header'.repeat(100));
      const names = (error: Error): boolean => error.message.includes('--data-dir') && error.message.includes(file);
      await assert.rejects(KeyStore.open({ kind: 'sqlite', dataDir }), names);
      await assert.rejects(startTestServer({ workers: 1, dataDir }), names);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the CLI on a database locked past its busy timeout fails naming both', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-dblocked-'));
    const holder = new Database(path.join(dataDir, 'keys.sqlite'));
    try {
      await createKey(dataDir, 'first');
      holder.exec('BEGIN EXCLUSIVE');
      await assert.rejects(runKeysCommand(['create', '--name', 'second'], dataDir, SILENT), (error: Error) => error.message.includes('--data-dir') && error.message.includes(path.join(dataDir, 'keys.sqlite')) && /locked/.test(error.message));
    } finally {
      holder.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a read-only data dir', () => {
  const BIN = fileURLToPath(new URL('../../bin/voxwire.js', import.meta.url));
  // Root ignores file modes, so as root the server runs as `nobody`, for whom the modes below hold.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const dataDir = mkdtempSync(path.join(tmpdir(), 'voxwire-readonly-'));
  const home = mkdtempSync(path.join(tmpdir(), 'voxwire-readonly-home-'));
  after(() => {
    chmodSync(dataDir, 0o700);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('with a valid database serves its keys (and the directory really is read-only for the server)', async () => {
    const key = await createKey(dataDir, 'readonly');
    chmodSync(path.join(dataDir, 'keys.sqlite'), 0o444);
    chmodSync(dataDir, 0o555);
    chmodSync(home, 0o777);
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VOXWIRE_')));
    env['HOME'] = home;
    const probe = spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(path.join(dataDir, 'probe'))}, 'x')`], { ...asUser, env });
    assert.notEqual(probe.status, 0, 'the server\'s user cannot write into the data dir');
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--workers', '1', '--log-format', 'json', '--data-dir', dataDir], { ...asUser, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const ready = new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString('utf8');
          const line = output.split('\n').find((text) => text.includes('"msg":"ready"'));
          if (line !== undefined) resolve((JSON.parse(line) as { stream: string }).stream);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) => reject(new Error(`voxwire exited (${code}):\n${output.slice(-2000)}`)));
      });
      const streamUrl = await ready;
      const httpUrl = streamUrl.replace(/^ws/, 'http').replace(/\/stream$/, '');
      assert.equal(await streamOnce(streamUrl, key), 'audio_end');
      assert.equal((await send(httpUrl, '/synthesize', { headers: { authorization: `Bearer ${key}` }, body: SPEECH })).status, 200);
      assert.equal((await send(httpUrl, '/api/v2/voices', { headers: { authorization: 'Bearer wrong' } })).status, 401);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
