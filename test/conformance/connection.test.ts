/** protocol.md section 1 "Authentication", "Errors" that close the socket, and "Connection life". */
import assert from 'node:assert/strict';
import pino from 'pino';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { SOCKET_HIGH_WATER_BYTES } from '../../src/server/stream-session.js';
import { DEFAULT_VOICE, TestClient } from './client.js';
import { engineIdle, engineWaiting, startTestServer } from './server.js';
import { clientFrame, rawUpgrade } from '../reliability/raw-socket.js';
import { waitUntil } from '../reliability/wait.js';
import { FAULTS, FAULTY_WORKER } from '../engines/workers/faults.js';
import { espeakPlugin } from '../../src/engines/espeak/plugin.js';
import { ESPEAK_VOICE } from '../support/engines.js';

const voice = DEFAULT_VOICE.uuid;
const KEY = 'vx_test_key_0123456789';
const LONG_TEXT = 'This is a long passage that keeps the engine busy for quite a while, sentence after sentence. '.repeat(30);

describe('authentication', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ apiKeys: [KEY, 'another-key'] });
  });
  after(async () => {
    await server.close();
  });

  const forms: [string, Record<string, string>, string][] = [
    ['Authorization: Bearer K', { authorization: `Bearer ${KEY}` }, ''],
    ['Authorization: Token K', { authorization: `Token ${KEY}` }, ''],
    ['Authorization: Token token=K', { authorization: `Token token=${KEY}` }, ''],
    ['Authorization: K', { authorization: KEY }, ''],
    ['x-access-token: K', { 'x-access-token': KEY }, ''],
    ['?api_key=K', {}, `?api_key=${KEY}`],
  ];
  for (const [name, headers, query] of forms) {
    it(`accepts ${name}`, async () => {
      const client = await TestClient.connect(server.streamUrl + query, headers);
      client.send({ voice_uuid: voice, data: 'Authorized.' });
      const [terminal] = await client.waitForTerminals(1);
      assert.equal(terminal!.type, 'audio_end');
      client.close();
    });
  }

  for (const [name, headers] of [
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer wrong' }],
    ['a key with a suffix', { authorization: `Bearer ${KEY}x` }],
  ] as const) {
    it(`refuses ${name}: one Unauthorized frame, then close 1008`, async () => {
      const client = await TestClient.connect(server.streamUrl, headers);
      const code = await client.waitForClose();
      assert.equal(code, 1008);
      assert.equal(client.frames.length, 1);
      assert.deepEqual(
        { type: client.frames[0]!.type, success: client.frames[0]!['success'], error_name: client.frames[0]!['error_name'], status_code: client.frames[0]!['status_code'] },
        { type: 'error', success: false, error_name: 'Unauthorized', status_code: 401 },
      );
    });
  }

  it('refuses to start on a non-loopback address without keys', async () => {
    await assert.rejects(startTestServer({ host: '0.0.0.0' }), /without API keys/);
  });
});

describe('limits and oversize frames', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ apiKeys: ['key-a', 'key-b'], perKeyConnections: 3, globalConnections: 5 });
  });
  after(async () => {
    await server.close();
  });

  it('ConcurrencyLimitExceeded (close 1013) past the per-key limit; another key is unaffected', async () => {
    const open = await Promise.all([1, 2, 3].map(() => TestClient.connect(server.streamUrl, { authorization: 'Bearer key-a' })));
    const refused = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-a' });
    assert.equal(await refused.waitForClose(), 1013);
    assert.equal(refused.frames[0]!['error_name'], 'ConcurrencyLimitExceeded');
    assert.equal(refused.frames[0]!['status_code'], 429);
    const other = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-b' });
    other.send({ voice_uuid: voice, data: 'Other key.' });
    assert.equal((await other.waitForTerminals(1))[0]!.type, 'audio_end');
    const globalRefused = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-b' });
    const last = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-b' });
    assert.equal(await last.waitForClose(), 1013, 'the global limit of 5 holds');
    for (const client of [...open, other, globalRefused]) client.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-a' });
    again.send({ voice_uuid: voice, data: 'Slots come back.' });
    assert.equal((await again.waitForTerminals(1))[0]!.type, 'audio_end');
    again.close();
  });

  it('MessageTooLarge (close 1009) for a frame over 1 MiB; other sockets keep working', async () => {
    const bystander = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-b' });
    const client = await TestClient.connect(server.streamUrl, { authorization: 'Bearer key-a' });
    client.send({ voice_uuid: voice, data: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(await client.waitForClose(), 1009);
    assert.equal(client.frames[0]!['error_name'], 'MessageTooLarge');
    assert.equal(client.frames[0]!['status_code'], 413);
    bystander.send({ voice_uuid: voice, data: 'Unharmed.' });
    assert.equal((await bystander.waitForTerminals(1))[0]!.type, 'audio_end');
    bystander.close();
  });
});

describe('connection life', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ shutdownGraceMs: 15_000 });
  });
  after(async () => {
    await server.close();
  });

  it('answers pings', async () => {
    const client = await TestClient.connect(server.streamUrl);
    const pong = new Promise<Buffer>((resolve) => client.socket.once('pong', resolve));
    client.socket.ping(Buffer.from('are you there'));
    assert.equal((await pong).toString(), 'are you there');
    client.close();
  });

  it('keeps a client that answers its pings, drops a peer that stops answering', async () => {
    // The healthy client's pongs are answered by this same busy process: the interval is far above the slowest
    // ping round trip measured here and now, so that only a peer that never answers can miss one.
    const probe = await TestClient.connect(server.streamUrl);
    let slowestPingMs = 0;
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const pong = new Promise<void>((resolve) => probe.socket.once('pong', () => resolve()));
      probe.socket.ping();
      await pong;
      slowestPingMs = Math.max(slowestPingMs, performance.now() - started);
    }
    probe.close();
    const heartbeatMs = Math.max(1000, Math.ceil(20 * slowestPingMs));
    // Closed whatever happens: a server left open would keep the test process from exiting.
    const local = await startTestServer({ heartbeatMs });
    try {
      const healthy = await TestClient.connect(local.streamUrl);
      const dead = await rawUpgrade(local.streamUrl);
      const closed = new Promise<void>((resolve) => dead.once('close', () => resolve()));
      await closed; // the raw peer never answers pings: the server must drop it
      // Two more whole intervals: each sent the healthy client a ping it had to answer to stay.
      await new Promise((resolve) => setTimeout(resolve, 2.5 * heartbeatMs));
      assert.equal(healthy.closeCode, undefined, `a responsive client stays connected (heartbeat ${heartbeatMs} ms)`);
      healthy.send({ voice_uuid: voice, data: 'Still connected.' });
      assert.equal((await healthy.waitForTerminals(1))[0]!.type, 'audio_end');
      healthy.close();
    } finally {
      await local.close();
    }
  });

  it('a slow reader (16 KiB every 100 ms) holds server-side buffering bounded while synthesis waits', async () => {
    // Its own server, so that its engine's state belongs to this test alone; closed whatever happens, since a
    // server left open would keep the test process from exiting.
    const local = await startTestServer();
    const socket = await rawUpgrade(local.streamUrl);
    try {
      socket.pause();
      socket.write(clientFrame(Buffer.from(JSON.stringify({ voice_uuid: voice, data: LONG_TEXT, sample_rate: 48000, precision: 'PCM_32' }))));
      const session = await waitForSession(local);
      let maxBuffered = 0;
      let received = 0;
      for (let i = 0; i < 40; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const chunk = socket.read(16 * 1024) as Buffer | null;
        received += chunk?.length ?? 0;
        maxBuffered = Math.max(maxBuffered, session.bufferedBytes);
      }
      // Once the kernel's socket buffers are full, the server must stop producing rather than queue in memory:
      // the engine goes idle while the request still waits for its reader, and stays idle. (The engine's own
      // state rather than the process's CPU, which under a CPU hog was too noisy to tell waiting from working.)
      // A worker that waits for its consumer keeps its job (backpressure), so waiting means: nothing queued, and
      // no output produced (none held beyond what was held half a second earlier) or no job at all.
      await waitUntil(async () => engineWaiting(local), 20_000, 'the engine to stop for the slow reader');
      assert.ok(received > 0, 'the reader got audio');
      assert.ok(maxBuffered <= SOCKET_HIGH_WATER_BYTES + 256 * 1024, `server buffered ${maxBuffered} bytes for one slow socket`);
      assert.ok(session.pending > 0, 'the request is still waiting for its reader, not finished into memory');
      assert.ok(await engineWaiting(local), 'synthesis waits for the reader: no engine work started again');
    } finally {
      socket.destroy();
      await local.close();
    }
  });

  it('closing a socket mid-request stops all engine work for it', async () => {
    const request = { voice_uuid: voice, data: LONG_TEXT, sample_rate: 8000, precision: 'MULAW' };
    // The same request run to its end with a fast reader is the scale, here and now: it takes seconds.
    const reference = await TestClient.connect(server.streamUrl);
    const started = performance.now();
    reference.send(request);
    await reference.waitFor(() => reference.terminals.length > 0, 120_000);
    assert.equal(reference.terminals[0]!.type, 'audio_end');
    const fullMs = performance.now() - started;
    reference.close();

    const client = await TestClient.connect(server.streamUrl);
    client.send(request);
    await client.waitFor(() => client.frames.length > 0);
    const left = performance.now();
    client.socket.terminate();
    await waitUntil(() => engineIdle(server), fullMs, 'the engine to stop after the client left');
    const stopMs = performance.now() - left;
    assert.ok(stopMs < fullMs / 4, `the engine stopped ${Math.round(stopMs)} ms after the client left; the whole request takes ${Math.round(fullMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(engineIdle(server), 'no engine work started again');
  });

  it('shutdown lets running requests finish, refuses new sockets, then closes with 1001', async () => {
    const local = await startTestServer({ shutdownGraceMs: 20_000 });
    const client = await TestClient.connect(local.streamUrl);
    client.socket.on('message', () => undefined);
    client.send({ voice_uuid: voice, data: 'A request that is running when the shutdown starts, and it must still finish.' });
    await client.waitFor(() => client.frames.length > 0);
    const closing = local.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(TestClient.connect(local.streamUrl), 'new sockets are refused while draining');
    await closing;
    assert.equal(client.terminals[0]?.type, 'audio_end', 'the running request completed');
    assert.equal(await client.waitForClose(), 1001);
  });

  it('while draining, new requests on open sockets are not taken, so the drain ends with the running ones', async () => {
    const local = await startTestServer({ shutdownGraceMs: 60_000 });
    const client = await TestClient.connect(local.streamUrl);
    client.send({ voice_uuid: voice, data: 'This one is running when the drain starts.', request_id: 1 });
    await client.waitFor(() => client.frames.length > 0);
    const closing = local.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.send({ voice_uuid: voice, data: LONG_TEXT, request_id: 2 });
    await closing;
    assert.equal(await client.waitForClose(), 1001);
    assert.deepEqual(client.terminals.map((frame) => frame.request_id), [1], 'the running request ended; the late one was not started');
    assert.equal(client.framesOf(2).length, 0);
  });
});

describe('engine failure', () => {
  let server: Voxwire;
  const logLines: string[] = [];
  before(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
    server = await startTestServer({ workers: 1, logger, engineOverrides: [espeakPlugin({ workerEntry: FAULTY_WORKER })] });
  });
  after(async () => {
    await server.close();
  });

  it('SynthesisFailure (500) when the engine worker crashes; the socket and the server go on', async () => {
    const client = await TestClient.connect(server.streamUrl);
    // The crash is planted in espeak-ng's worker, so both requests go to an espeak-ng voice.
    client.send({ voice_uuid: ESPEAK_VOICE.uuid, data: FAULTS.crash, request_id: 1 });
    client.send({ voice_uuid: ESPEAK_VOICE.uuid, data: 'After the crash.', request_id: 2 });
    const [failed, next] = await client.waitForTerminals(2);
    assert.equal(failed!['error_name'], 'SynthesisFailure');
    assert.equal(failed!['status_code'], 500);
    assert.equal(failed!.request_id, 1);
    assert.doesNotMatch(String(failed!['message']), /\/|at .*\(/, 'no paths or stack traces in messages');
    assert.equal(next!.type, 'audio_end');
    const logged = logLines.map((line) => JSON.parse(line) as { msg: string; err?: { message?: string } });
    assert.ok(
      logged.some((line) => line.msg === 'synthesis failed' && /worker|exit|crash/i.test(line.err?.message ?? '')),
      `the operator's log says why: ${logLines.join('')}`,
    );
    client.close();
  });
});

async function waitForSession(server: Voxwire): Promise<{ bufferedBytes: number; pending: number }> {
  for (let i = 0; i < 100; i += 1) {
    const session = [...server.server.sessions].find((s) => s.pending > 0);
    if (session) return session;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no busy session');
}
