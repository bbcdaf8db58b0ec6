/** GET /api/v2/voices and /api/v2/voices/{uuid} over real HTTP (protocol.md section 4). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE } from '../conformance/client.js';
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
