/** GET /api/v2/voices and /api/v2/voices/{uuid} over real HTTP (protocol.md section 4). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import type { Voice } from '../../src/voices/catalogue.js';
import { DEFAULT_VOICE, joinAudio, TestClient } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send } from './http-client.js';

let voxwire: Voxwire;
before(async () => {
  voxwire = await startTestServer({ workers: 1 });
});
after(async () => {
  await voxwire.close();
});

type Page = { success: boolean; page: number; page_size: number; num_pages: number; page_count: number; total_results: number; items: Record<string, unknown>[] };

test('pages cover every voice once, with both sets of pagination keys', async () => {
  const first = jsonOf(await send(voxwire.url, '/api/v2/voices?page=1&page_size=5')) as unknown as Page;
  assert.equal(first.success, true);
  assert.equal(first.page, 1);
  assert.equal(first.page_size, 5);
  assert.ok(first.total_results >= 10);
  assert.equal(first.num_pages, Math.ceil(first.total_results / 5));
  assert.equal(first.page_count, first.num_pages);
  const uuids: string[] = [];
  for (let page = 1; page <= first.num_pages; page += 1) {
    const body = jsonOf(await send(voxwire.url, `/api/v2/voices?page=${page}&page_size=5`)) as unknown as Page;
    assert.ok(body.items.length <= 5 && body.items.length > 0);
    uuids.push(...body.items.map((item) => String(item['uuid'])));
  }
  assert.equal(uuids.length, first.total_results);
  assert.equal(new Set(uuids).size, uuids.length, 'no voice twice');
  const beyond = jsonOf(await send(voxwire.url, `/api/v2/voices?page=${first.num_pages + 1}&page_size=5`)) as unknown as Page;
  assert.deepEqual(beyond.items, []);
  const defaults = jsonOf(await send(voxwire.url, '/api/v2/voices')) as unknown as Page;
  assert.deepEqual([defaults.page, defaults.page_size, defaults.items.length], [1, 10, 10]);
});

test('a voice has the documented shape, and the same uuid as the synthesis endpoints take', async () => {
  const response = await send(voxwire.url, `/api/v2/voices/${DEFAULT_VOICE.uuid}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers['cache-control'], 'no-store');
  const body = jsonOf(response) as { success: boolean; item: Record<string, unknown> };
  assert.equal(body.success, true);
  const voice = body.item;
  assert.equal(voice['uuid'], DEFAULT_VOICE.uuid);
  assert.equal(voice['status'], 'ready');
  assert.equal(voice['voice_status'], 'ready');
  assert.equal(voice['default_language'], 'en-US');
  assert.deepEqual(voice['supported_languages'], ['en-US']);
  assert.deepEqual(voice['component_status'], { text_to_speech: { status: 'ready' } });
  assert.deepEqual(voice['api_support'], { sync_tts: true, async_tts: false, streaming: true });
  assert.equal(voice['engine'], DEFAULT_VOICE.engine);
  assert.equal(voice['sample_rate'], DEFAULT_VOICE.sampleRate);
  for (const field of ['name', 'voice_type', 'source', 'created_at', 'updated_at']) assert.equal(typeof voice[field], 'string', field);
  assert.ok(!Number.isNaN(Date.parse(String(voice['created_at']))));
  const listed = (jsonOf(await send(voxwire.url, '/api/v2/voices?page=1&page_size=1000')) as unknown as Page).items.find((item) => item['uuid'] === DEFAULT_VOICE.uuid);
  assert.deepEqual(listed, voice, 'list and item agree');
});

test('an unknown voice is 404 and a bad page is 400, as JSON errors', async () => {
  const missing = await send(voxwire.url, '/api/v2/voices/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  const body = jsonOf(missing);
  assert.equal(body['success'], false);
  assert.equal(typeof body['message'], 'string');
  for (const query of ['page=0', 'page=abc', 'page_size=0', 'page_size=100000', 'page=-1']) {
    const response = await send(voxwire.url, `/api/v2/voices?${query}`);
    assert.equal(response.status, 400, query);
    assert.equal(jsonOf(response)['error_name'], 'InvalidRequest', query);
  }
});

test('a source added at run time is listed, found and spoken at once, and replaced as a whole', async () => {
  const derived: Voice = { ...DEFAULT_VOICE, uuid: '6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b', key: 'test/derived', name: 'Derived (test source)' };
  voxwire.voices.setSource('test', [derived]);
  try {
    const listed = (jsonOf(await send(voxwire.url, '/api/v2/voices?page=1&page_size=1000')) as unknown as Page).items.map((item) => item['uuid']);
    assert.equal(listed.at(-1), derived.uuid, 'run-time voices come after the built-in ones');
    assert.equal((await send(voxwire.url, `/api/v2/voices/${derived.uuid}`)).status, 200);
    const client = await TestClient.connect(voxwire.streamUrl);
    try {
      client.send({ voice_uuid: derived.uuid, data: 'Spoken with a voice added at run time.', request_id: 1 });
      await client.waitFor(() => client.terminals.length === 1);
      assert.equal(client.terminals[0]!.type, 'audio_end', JSON.stringify(client.terminals[0]));
      assert.ok(joinAudio(client.frames).length > 0);
      voxwire.voices.setSource('test', []);
      client.send({ voice_uuid: derived.uuid, data: 'And now it is gone.', request_id: 2 });
      await client.waitFor(() => client.terminals.length === 2);
      assert.equal(client.terminals[1]!['error_name'], 'VoiceNotFound');
    } finally {
      client.socket.close();
    }
    assert.equal((await send(voxwire.url, `/api/v2/voices/${derived.uuid}`)).status, 404);
  } finally {
    voxwire.voices.setSource('test', []);
  }
});
