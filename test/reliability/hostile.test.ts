/**
 * Issue 7, hostile clients: never reading, flooding, slowloris upgrades, silent TCP, connection churn,
 * 10,000 queued requests, closes mid-stream. Each test counts what the server holds (sessions, queued
 * requests, buffered bytes, handles, busy workers) rather than timing anything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { MAX_HELD_ANSWERS, type StreamSession } from '../../src/server/stream-session.js';
import { DEFAULT_VOICE, TestClient, joinAudio } from '../conformance/client.js';
import { engineIdle, parseSpeechWav, startTestServer } from '../conformance/server.js';
import { closedByServer, clientFrame, rawUpgrade, tcpConnect } from './raw-socket.js';
import { sleep, waitUntil } from './wait.js';

const voice = DEFAULT_VOICE.uuid;
/**
 * What one socket may hold: the server stops reading at MAX_HELD_ANSWERS, but the frames of the TCP read
 * already in hand (at most 64 KiB) are still parsed.
 */
function heldBound(frameBytes: number): number {
  return MAX_HELD_ANSWERS + Math.ceil(65536 / frameBytes);
}
const LONG_TEXT = 'The committee met on Tuesday to discuss the budget for the coming year, and after a long debate it agreed on most points. '.repeat(8);

let server: Voxwire;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function onlySession(): StreamSession {
  assert.equal(server.server.sessions.size, 1);
  return [...server.server.sessions][0]!;
}

async function assertServes(label: string): Promise<void> {
  const client = await TestClient.connect(server.streamUrl);
  client.send({ voice_uuid: voice, data: 'Hello, still serving.', request_id: 1, sample_rate: 16000 });
  const [terminal] = await client.waitForTerminals(1);
  assert.equal(terminal?.type, 'audio_end', label);
  parseSpeechWav(joinAudio(client.framesOf(1)));
  client.close();
  await waitUntil(() => client.closeCode !== undefined, 5000, 'the probe to close');
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('clients that do not read', () => {
  it('a client that never reads: server-side buffering and synthesis stay bounded, other sockets are served', async () => {
    const hostile = await rawUpgrade(server.streamUrl);
    hostile.pause();
    const session = onlySession();
    for (let id = 0; id < 20; id += 1) {
      hostile.write(clientFrame(Buffer.from(JSON.stringify({ voice_uuid: voice, data: LONG_TEXT, request_id: id }))));
    }
    await waitUntil(() => session.bufferedBytes > 0, 20_000, 'the socket buffer to fill');
    // Time for a runaway server to synthesize far ahead; a bounded one stops at the high-water mark.
    await sleep(3000);
    try {
      assert.ok(session.bufferedBytes <= 1024 * 1024, `server holds ${session.bufferedBytes} outgoing bytes`);
      assert.ok(session.pending >= 19, `synthesis waits for the reader instead of running ahead (${session.pending} pending)`);
      await assertServes('another socket is served while one never reads');
    } finally {
      hostile.destroy();
    }
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 10_000, 'the never-reading session to be gone and its work stopped');
  });

  it('a never-reading client flooding 200,000 bad frames: the server stops reading instead of queueing them all', async () => {
    const hostile = await rawUpgrade(server.streamUrl);
    hostile.pause();
    const session = onlySession();
    hostile.write(clientFrame(Buffer.from(JSON.stringify({ voice_uuid: voice, data: LONG_TEXT, request_id: 0 }))));
    const junk = clientFrame(Buffer.from('x'));
    const bound = heldBound(junk.length);
    // Not awaited: a server that stops reading leaves the rest in this process's socket buffer.
    for (let i = 0; i < 200_000; i += 1) hostile.write(junk);
    let mostPending = 0;
    for (let i = 0; i < 40; i += 1) {
      mostPending = Math.max(mostPending, session.pending);
      await sleep(100);
    }
    try {
      assert.ok(mostPending <= bound, `requests held for one socket are bounded (${mostPending} > ${bound})`);
      await assertServes('another socket is served during the flood');
    } finally {
      hostile.destroy();
    }
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 10_000, 'the flooding session to be gone');
  });
});

describe('queueing', () => {
  it('10,000 requests on one socket: each answered exactly once in order, QueueFull past 64, bounded queue', async () => {
    const client = await TestClient.connect(server.streamUrl);
    const session = onlySession();
    const total = 10_000;
    const request = (id: number): string => JSON.stringify({ voice_uuid: voice, data: 'Hi.', request_id: id, sample_rate: 8000, precision: 'MULAW' });
    const bound = heldBound(request(0).length + 8);
    for (let id = 0; id < total; id += 1) client.send(request(id));
    let mostPending = 0;
    await client.waitFor(() => {
      mostPending = Math.max(mostPending, session.pending);
      return client.terminals.length >= total || client.closeCode !== undefined;
    }, 120_000);
    const terminals = client.terminals;
    assert.equal(terminals.length, total);
    assert.deepEqual(
      terminals.map((frame) => frame.request_id),
      Array.from({ length: total }, (_, id) => id),
      'one terminal frame per request, in arrival order',
    );
    const byName = new Map<string, number>();
    for (const frame of terminals) {
      const name = frame.type === 'audio_end' ? 'audio_end' : String(frame['error_name']);
      byName.set(name, (byName.get(name) ?? 0) + 1);
    }
    assert.deepEqual([...byName.keys()].sort(), ['QueueFull', 'audio_end']);
    assert.ok(byName.get('audio_end')! >= 65, `the first 65 are served (${byName.get('audio_end')})`);
    assert.ok(byName.get('QueueFull')! >= total / 2, `the rest mostly get QueueFull (${byName.get('QueueFull')})`);
    assert.ok(mostPending <= bound, `requests held for the socket are bounded (${mostPending} > ${bound})`);
    client.close();
    await waitUntil(() => server.server.sessions.size === 0, 5000, 'the socket to close');
  });
});

describe('connections that never become requests', () => {
  it('slowloris upgrade headers and a silent TCP connection are both closed by the server', async () => {
    const slow = await tcpConnect(server.streamUrl);
    const silent = await tcpConnect(server.streamUrl);
    const slowClosed = closedByServer(slow);
    const silentClosed = closedByServer(silent);
    slow.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    let trickled = 0;
    let closed = false;
    void slowClosed.then(() => (closed = true));
    // One header line a second, for at most 40 s: far longer than a server should wait for headers.
    while (!closed && trickled < 40) {
      slow.write(`X-Trickle-${trickled}: a\r\n`);
      trickled += 1;
      await sleep(1000);
    }
    assert.ok(closed, `the server closed the slowloris connection (after ${trickled} header lines)`);
    await Promise.race([silentClosed, sleep(20_000).then(() => assert.fail('the silent connection is still open'))]);
  });

  it('a client that half-closes its side after the upgrade loses its session', async () => {
    const socket = await rawUpgrade(server.streamUrl);
    socket.write(clientFrame(Buffer.from(JSON.stringify({ voice_uuid: voice, data: LONG_TEXT, request_id: 1 }))));
    await waitUntil(() => server.server.sessions.size === 1, 5000, 'the session');
    socket.end();
    await closedByServer(socket);
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 10_000, 'the half-closed session to be gone');
  });
});

describe('churn', () => {
  it('1,000 connect/disconnect cycles leave no sockets, handles or busy workers behind', async () => {
    await assertServes('warm-up');
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 5000, 'a quiet server');
    const before = resourceCounts();
    const workersBefore = server.engines.stats();
    for (let cycle = 0; cycle < 1000; cycle += 1) {
      const client = await TestClient.connect(server.streamUrl);
      if (cycle % 5 === 0) client.send({ voice_uuid: voice, data: 'Cut short.', request_id: cycle });
      client.close();
      await client.waitForClose();
    }
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 10_000, 'every session to be gone');
    let after: Record<string, number> = {};
    await waitUntil(
      () => {
        after = resourceCounts();
        return JSON.stringify(after) === JSON.stringify(before);
      },
      10_000,
      'handle counts to return to where they were',
    ).catch(() => assert.deepEqual(after, before, 'active resources by type, before and after'));
    const workersAfter = server.engines.stats();
    assert.equal(workersAfter.busy + workersAfter.idle, workersBefore.busy + workersBefore.idle, 'as many workers as before');
  });

  it('a request closed mid-stream every few ms, 300 times: all engine work stops, the server keeps serving', async () => {
    for (let cycle = 0; cycle < 300; cycle += 1) {
      const client = await TestClient.connect(server.streamUrl);
      client.send({ voice_uuid: voice, data: LONG_TEXT, request_id: cycle, output_format: cycle % 2 === 0 ? 'wav' : 'mp3' });
      await sleep(cycle % 9);
      client.close();
    }
    await waitUntil(() => server.server.sessions.size === 0 && engineIdle(server), 20_000, 'every cancelled request to stop');
    await assertServes('after the cancellations');
  });
});
