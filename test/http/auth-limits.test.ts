/** Auth on every HTTP route with every header form, and the per-key limit shared by WebSocket and HTTP. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send } from './http-client.js';

const KEY_A = 'test-key-a-0123456789';
const KEY_B = 'test-key-b-9876543210';
const PER_KEY = 20;
let voxwire: Voxwire;

before(async () => {
  voxwire = await startTestServer({ workers: 1, apiKeys: [KEY_A, KEY_B], perKeyConnections: PER_KEY, globalConnections: 200 });
});
after(async () => {
  await voxwire.close();
});

const HEADER_FORMS: readonly [string, Record<string, string>, string][] = [
  ['Bearer', { authorization: `Bearer ${KEY_A}` }, ''],
  ['Token', { authorization: `Token ${KEY_A}` }, ''],
  ['Token token=', { authorization: `Token token=${KEY_A}` }, ''],
  ['bare Authorization', { authorization: KEY_A }, ''],
  ['x-access-token', { 'x-access-token': KEY_A }, ''],
  ['?api_key=', {}, `api_key=${KEY_A}`],
];

test('every header form of the contract is accepted on every HTTP route', async () => {
  for (const [form, headers, query] of HEADER_FORMS) {
    const suffix = query ? `?${query}` : '';
    const voices = await send(voxwire.url, `/api/v2/voices${suffix}`, { headers });
    assert.equal(voices.status, 200, `${form} on /api/v2/voices`);
    const voice = await send(voxwire.url, `/api/v2/voices/${DEFAULT_VOICE.uuid}${suffix}`, { headers });
    assert.equal(voice.status, 200, `${form} on /api/v2/voices/{uuid}`);
    const synthesized = await send(voxwire.url, `/synthesize${suffix}`, { headers, body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', sample_rate: 8000 } });
    assert.equal(synthesized.status, 200, `${form} on /synthesize`);
    const streamed = await send(voxwire.url, `/stream${suffix}`, { headers, body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', sample_rate: 8000 } });
    assert.equal(streamed.status, 200, `${form} on /stream`);
    assert.equal(streamed.raw.subarray(0, 4).toString('latin1'), 'RIFF');
  }
});

test('a missing or wrong key is 401 Unauthorized in the error shape, before the body is looked at', async () => {
  for (const path of ['/synthesize', '/stream', '/api/v2/voices', `/api/v2/voices/${DEFAULT_VOICE.uuid}`]) {
    const post = path === '/synthesize' || path === '/stream';
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-key' }, { 'x-access-token': `${KEY_A}x` }];
    for (const headers of attempts) {
      const response = await send(voxwire.url, path, { headers, ...(post ? { body: '{broken' } : {}) });
      assert.equal(response.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(response.headers['www-authenticate'], 'Bearer');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      const body = jsonOf(response);
      assert.deepEqual([body['success'], body['error_name']], [false, 'Unauthorized']);
      assert.deepEqual(body['issues'], [body['message']]);
      assert.ok(!String(body['message']).includes(KEY_A), 'the message does not echo keys');
    }
  }
});

test('20 sockets of one key stream; the 21st is refused with ConcurrencyLimitExceeded and 1013, HTTP gets 429; another key is unaffected', async () => {
  const auth = { authorization: `Bearer ${KEY_A}` };
  const open: TestClient[] = [];
  try {
    for (let i = 0; i < PER_KEY; i += 1) open.push(await TestClient.connect(voxwire.streamUrl, auth));
    for (const client of open) client.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Hello.', sample_rate: 8000 });

    const refused = await TestClient.connect(voxwire.streamUrl, auth);
    assert.equal(await refused.waitForClose(), 1013);
    const error = refused.frames[0]!;
    assert.deepEqual([error.type, error['error_name'], error['status_code']], ['error', 'ConcurrencyLimitExceeded', 429]);

    const overHttp = await send(voxwire.url, '/synthesize', { headers: auth, body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.' } });
    assert.equal(overHttp.status, 429);
    assert.equal(overHttp.headers['retry-after'], '1');
    assert.equal(jsonOf(overHttp)['error_name'], 'ConcurrencyLimitExceeded');
    assert.equal((await send(voxwire.url, '/api/v2/voices', { headers: auth })).status, 429);

    const other = await TestClient.connect(voxwire.streamUrl, { authorization: `Bearer ${KEY_B}` });
    other.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Other key.', sample_rate: 8000 });
    const [end] = await other.waitForTerminals(1);
    assert.equal(end!.type, 'audio_end', 'the second key streams');
    other.close();
    assert.equal((await send(voxwire.url, '/api/v2/voices', { headers: { authorization: `Bearer ${KEY_B}` } })).status, 200);

    for (const client of open) {
      const [terminal] = await client.waitForTerminals(1);
      assert.equal(terminal!.type, 'audio_end', 'each of the 20 sockets was served');
    }
  } finally {
    for (const client of open) client.close();
  }
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
    status = (await send(voxwire.url, '/api/v2/voices', { headers: auth })).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(status, 200, 'closed sockets give their slots back');
});
