/**
 * Issue 7, security: keys never reach the log of a real `voxwire serve`; no error message on any transport
 * echoes a stack trace or a file path; every HTTP response, errors included, carries the security headers.
 * (Auth on each endpoint and header form is in test/http and test/conformance.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { FAULTS, FAULTY_WORKER } from '../engines/workers/faults.js';
import { espeakPlugin } from '../../src/engines/espeak/plugin.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { SECURITY_HEADERS } from '../../src/server/http/responses.js';
import { TestClient, type JsonFrame } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { send, type RawResponse } from '../http/http-client.js';
import { startChildServer } from './child-server.js';
import { checkErrorFrame } from './protocol-fuzz.js';
import { waitUntil } from './wait.js';

// The faults are planted in espeak-ng's worker, so the requests go to an espeak-ng voice.
const voice = ESPEAK_VOICE.uuid;
const KEY = 'vx-secret-key-4f9a1c7e2b5d8036';
const WRONG_KEY = 'vx-wrong-guess-0d1e2f3a4b5c6d7e';
const LEAK = /\n\s+at |\.ts:\d|\.js:\d|\/work\/|node_modules|file:\/\/|\/src\//;

describe('keys in logs', () => {
  it('a debug-level log of every transport, with the key and a wrong key in every form, holds neither key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'voxwire-sec-'));
    const child = await startChildServer(['--workers', '1', '--log-level', 'trace', '--data-dir', dataDir], { VOXWIRE_API_KEYS: KEY });
    try {
      for (const key of [KEY, WRONG_KEY]) {
        const forms: Record<string, string>[] = [{ authorization: `Bearer ${key}` }, { authorization: `Token token=${key}` }, { 'x-access-token': key }];
        for (const headers of forms) {
          const client = await TestClient.connect(child.streamUrl, headers);
          client.send({ voice_uuid: voice, data: 'Hi.', sample_rate: 8000 });
          await client.waitFor(() => client.terminals.length > 0 || client.closeCode !== undefined);
          client.close();
          await send(child.httpUrl, '/synthesize', { headers, body: { voice_uuid: voice, data: 'Hi.', sample_rate: 8000 } });
          await send(child.httpUrl, '/stream', { headers, body: { voice_uuid: voice, data: 'Hi.', sample_rate: 8000 } });
          await send(child.httpUrl, '/api/v2/voices', { headers });
          await send(child.httpUrl, '/nowhere', { headers });
        }
        const query = await TestClient.connect(`${child.streamUrl}?api_key=${key}`);
        query.send({ voice_uuid: voice, data: 'Hi.', sample_rate: 8000 });
        await query.waitFor(() => query.terminals.length > 0 || query.closeCode !== undefined);
        query.close();
        await send(child.httpUrl, `/api/v2/voices?api_key=${key}&page=1`);
        await send(child.httpUrl, `/synthesize?api_key=${key}`, { body: '{broken' });
      }
      child.process.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      const log = child.output();
      assert.ok(log.split('\n').length > 20, `the log was captured (${log.length} bytes)`);
      assert.ok(log.includes('"http request"') || log.includes('stream request'), 'requests were logged');
      assert.ok(!log.includes(KEY), 'the valid key never appears in the log');
      assert.ok(!log.includes(WRONG_KEY), 'a wrong key never appears in the log');
      assert.ok(!log.includes(KEY.slice(0, 12)), 'not even a prefix of the key');
    } finally {
      child.process.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('error messages and headers', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ apiKeys: [KEY], perKeyConnections: 2, engineOverrides: [espeakPlugin({ workerEntry: FAULTY_WORKER })] });
  });
  after(async () => {
    await server.close();
  });

  const auth = { authorization: `Bearer ${KEY}` };

  it('every WebSocket error of the catalogue, sampled, leaks no stack trace or path', async () => {
    const seen = new Map<string, JsonFrame>();
    const client = await TestClient.connect(server.streamUrl, auth);
    const requests: (Record<string, unknown> | string)[] = [
      '{not json',
      { voice_uuid: voice, data: 'x', sample_rate: 5 },
      { voice_uuid: voice, data: 'a'.repeat(3001) },
      { voice_uuid: voice, data: '<speak><p>open</speak>' },
      { voice_uuid: '6a0b7c1d-0000-4000-8000-000000000000', data: 'x' },
      { voice_uuid: voice, data: FAULTS.crash },
      ...Array.from({ length: 70 }, () => ({ voice_uuid: voice, data: 'Queue me.', sample_rate: 8000 })),
    ];
    for (const request of requests) client.send(request);
    await client.waitForTerminals(requests.length);
    for (const frame of client.terminals) if (frame.type === 'error') seen.set(String(frame['error_name']), frame);

    const unauthorized = await TestClient.connect(server.streamUrl, { authorization: 'Bearer nope' });
    await unauthorized.waitForClose();
    const extra = await TestClient.connect(server.streamUrl, auth);
    const overLimit = await TestClient.connect(server.streamUrl, auth);
    await overLimit.waitForClose();
    extra.close();
    client.close();
    // The key's two slots must be free again before the next socket.
    await waitUntil(() => server.server.sessions.size === 0, 5000, 'the sockets to close');
    const tooLarge = await TestClient.connect(server.streamUrl, auth);
    tooLarge.send('x'.repeat(1024 * 1024 + 10));
    await tooLarge.waitForClose();
    for (const other of [unauthorized, overLimit, tooLarge]) for (const frame of other.frames) seen.set(String(frame['error_name']), frame);

    assert.deepEqual(
      [...seen.keys()].sort(),
      ['BadJSON', 'ConcurrencyLimitExceeded', 'InvalidRequest', 'InvalidSSML', 'MessageTooLarge', 'QueueFull', 'SynthesisFailure', 'TextTooLong', 'Unauthorized', 'VoiceNotFound'],
      'every error of the catalogue was sampled',
    );
    for (const [name, frame] of seen) {
      checkErrorFrame(frame, name);
      assert.doesNotMatch(JSON.stringify(frame), LEAK, `${name} frame leaks nothing: ${JSON.stringify(frame)}`);
    }
  });

  it('every kind of HTTP response carries the security headers and leaks nothing in its body', async () => {
    const body = { voice_uuid: voice, data: 'Hi.', sample_rate: 8000 };
    const responses: [string, RawResponse][] = [
      ['voices 200', await send(server.url, '/api/v2/voices', { headers: auth })],
      ['voice 404', await send(server.url, '/api/v2/voices/nope', { headers: auth })],
      ['synthesize 200', await send(server.url, '/synthesize', { headers: auth, body })],
      ['stream 200', await send(server.url, '/stream', { headers: auth, body })],
      ['401', await send(server.url, '/synthesize', { body })],
      ['unknown route 404', await send(server.url, '/etc/passwd', { headers: auth })],
      ['405', await send(server.url, '/synthesize', { headers: auth, method: 'DELETE' })],
      ['bad JSON 400', await send(server.url, '/synthesize', { headers: auth, body: '{"voice_uuid": ' })],
      ['bad field 400', await send(server.url, '/stream', { headers: auth, body: { ...body, sample_rate: 'x' } })],
      ['bad SSML 400', await send(server.url, '/synthesize', { headers: auth, body: { ...body, data: '<speak><x></speak>' } })],
      ['engine failure 500', await send(server.url, '/synthesize', { headers: auth, body: { ...body, data: FAULTS.crash } })],
      ['body too large 413', await send(server.url, '/synthesize', { headers: auth, body: Buffer.alloc(100 * 1024, 0x20) })],
    ];
    const statuses = new Set<number>();
    for (const [label, response] of responses) {
      statuses.add(response.status);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(response.headers[name.toLowerCase()], value, `${label}: ${name}`);
      if (response.status >= 400) assert.doesNotMatch(response.raw.toString('utf8'), LEAK, `${label} leaks nothing: ${response.raw.toString('utf8').slice(0, 300)}`);
    }
    assert.deepEqual([...statuses].sort(), [200, 400, 401, 404, 405, 413, 500]);
  });
});
