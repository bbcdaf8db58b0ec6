/**
 * Issue 11, shutdown and slots: requests whose terminal frame never left are logged as such (`shutdown`, not
 * `ok`); an HTTP request still unanswered past the grace period gets 503 rather than a reset; a request body
 * that trickles in holds no connection slot until it has been read.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send, type RawResponse } from '../http/http-client.js';

const voice = DEFAULT_VOICE.uuid;
/** Long enough that one worker cannot finish it within a 200 ms grace period (about two minutes of speech). */
const LONG_TEXT = 'The quick brown fox jumps over the lazy dog while the band plays on. '.repeat(28).trim();

function capturedLog(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A POST whose headers and the first half of its body are sent; `finish()` sends the rest. */
async function tricklingPost(baseUrl: string, path: string, body: string): Promise<{ socket: Socket; finish: () => void; response: Promise<string> }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise((resolve) => socket.once('connect', resolve));
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
  socket.write(bytes.subarray(0, half));
  const response = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
  return { socket, finish: () => socket.write(bytes.subarray(half)), response };
}

describe('shutdown', () => {
  it('WebSocket requests cut by the drain are logged `shutdown`, never `ok`, one line each; those answered are `ok`', async () => {
    const log = capturedLog();
    const server = await startTestServer({ workers: 1, shutdownGraceMs: 200, logger: log.logger });
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: voice, data: 'Short first.', sample_rate: 8000, request_id: 'short' });
    await client.waitFor(() => client.terminals.length === 1);
    for (const id of ['long-1', 'long-2', 'long-3']) client.send({ voice_uuid: voice, data: LONG_TEXT, sample_rate: 8000, request_id: id });
    await client.waitFor(() => client.frames.some((frame) => frame.request_id === 'long-1' && frame.type === 'audio'));
    await server.close();
    await client.waitForClose();
    const ended = new Set(client.terminals.map((frame) => frame.request_id));
    const lines = log.lines().filter((line) => line['msg'] === 'stream request');
    assert.deepEqual(lines.map((line) => line['request_id']).sort(), ['long-1', 'long-2', 'long-3', 'short'], 'one line per request, those never started included');
    for (const line of lines) {
      const expected = ended.has(line['request_id'] as string) ? 'ok' : 'shutdown';
      assert.equal(line['outcome'], expected, `${String(line['request_id'])}: terminal frame ${ended.has(line['request_id'] as string) ? 'received' : 'never received'}`);
    }
    assert.ok(!ended.has('long-3'), 'the drain really cut requests short');
  });

  it('an HTTP request unanswered past the grace period gets 503 ServiceUnavailable, not a reset; so does one whose body is still arriving', async () => {
    const log = capturedLog();
    const server = await startTestServer({ workers: 1, shutdownGraceMs: 200, logger: log.logger });
    const whole = send(server.url, '/synthesize', { body: { voice_uuid: voice, data: LONG_TEXT.slice(0, 1900), sample_rate: 8000 } });
    const trickle = await tricklingPost(server.url, '/synthesize', JSON.stringify({ voice_uuid: voice, data: 'Never finished.', sample_rate: 8000 }));
    // The synthesis has started (a worker is busy) before the drain begins.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.close();
    const answered: RawResponse = await whole;
    assert.equal(answered.status, 503);
    assert.equal(jsonOf(answered)['error_name'], 'ServiceUnavailable');
    assert.match(await trickle.response, /^HTTP\/1\.1 503 /);
    const outcomes = log.lines().filter((line) => line['msg'] === 'http request').map((line) => line['outcome']);
    assert.deepEqual(outcomes, ['ServiceUnavailable', 'ServiceUnavailable']);
  });
});

describe('connection slots', () => {
  it('a trickling request body holds no slot: with a global limit of 1 another request is served meanwhile, then it is too', async () => {
    const server = await startTestServer({ workers: 1, globalConnections: 1 });
    try {
      const trickle = await tricklingPost(server.url, '/synthesize', JSON.stringify({ voice_uuid: voice, data: 'Slow body.', sample_rate: 8000 }));
      for (let i = 0; i < 3; i += 1) assert.equal((await send(server.url, '/api/v2/voices')).status, 200, 'the only slot is free while the body trickles');
      const ws = await TestClient.connect(server.streamUrl);
      ws.send({ voice_uuid: voice, data: 'Meanwhile.', sample_rate: 8000 });
      assert.equal((await ws.waitForTerminals(1))[0]?.type, 'audio_end');
      ws.close();
      await ws.waitForClose();
      await new Promise((resolve) => setTimeout(resolve, 50));
      trickle.finish();
      assert.match(await trickle.response, /^HTTP\/1\.1 200 /);
    } finally {
      await server.close();
    }
  });
});
