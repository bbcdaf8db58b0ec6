/**
 * The voice library (protocol.md section 4): voices made over HTTP, by `@resemble/node` and on the command
 * line, kept in the data folder across restarts, and gone everywhere at once when deleted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Resemble } from '@resemble/node';
import type { Voxwire } from '../../src/app.js';
import { flitePlugin } from '../../src/engines/flite/plugin.js';
import { startEngines } from '../../src/engines/registry.js';
import { SAMPLE_LIFETIME_MS, VoiceLibrary } from '../../src/library/library.js';
import { openSqliteLibrary } from '../../src/library/sqlite-store.js';
import { createPipeline } from '../../src/synthesis/pipeline.js';
import { DEFAULT_VOICE, VoiceCatalogue, voiceForLanguage } from '../../src/voices/catalogue.js';
import { TestClient } from '../conformance/client.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';
import { childSandbox } from '../support/child-env.js';
import { api, design, KEY, type Api } from './helpers.js';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function dataFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'voxwire-library-'));
  folders.push(folder);
  return folder;
}

async function withServer<T>(dataDir: string, work: (server: Voxwire, client: Api) => Promise<T>): Promise<T> {
  const server = await startTestServer({ apiKeys: [KEY], dataDir });
  try {
    return await work(server, api(server.url));
  } finally {
    await server.close();
  }
}

/** The audio of a seeded /synthesize request, so that two runs can be compared byte for byte. */
async function speak(client: Api, voiceUuid: string): Promise<{ status: number; audio?: Buffer; errorName?: string }> {
  const { status, json } = await client.call('/synthesize', { voice_uuid: voiceUuid, data: '<speak seed="7">The library keeps this voice.</speak>', sample_rate: 22050, precision: 'PCM_16' });
  return status === 200 ? { status, audio: Buffer.from(json['audio_content'] as string, 'base64') } : { status, errorName: json['error_name'] as string };
}

async function listed(client: Api): Promise<Record<string, unknown>[]> {
  const { json } = await client.call('/api/v2/voices?page_size=1000');
  return json['items'] as Record<string, unknown>[];
}

describe('a designed voice', () => {
  it('survives a restart on the same data folder, speaks identically, and when deleted is VoiceNotFound on WebSocket and HTTP with its samples gone', async () => {
    const dataDir = dataFolder();
    const made = await withServer(dataDir, async (_server, client) => {
      const answer = await design(client, 'a slow british woman');
      const candidate = answer.voice_candidates[1]!;
      const { status, json } = await client.call(`/api/v2/voice-design/${candidate.uuid}/1/create_rapid_voice`, { voice_name: 'Rosalind' });
      assert.equal(status, 202);
      const voiceUuid = json['voice_uuid'] as string;
      const first = await speak(client, voiceUuid);
      assert.equal(first.status, 200, 'usable at once');
      parseSpeechWav(first.audio!);
      return { voiceUuid, audio: first.audio!, design: candidate.uuid, sampleUrl: new URL(candidate.audio_url).pathname };
    });
    await withServer(dataDir, async (server, client) => {
      const item = (await listed(client)).find((voice) => voice['uuid'] === made.voiceUuid);
      assert.ok(item, 'still listed after the restart');
      assert.equal(item['name'], 'Rosalind');
      assert.equal(item['voice_type'], 'designed');
      assert.equal(item['engine'], 'espeak-ng');
      assert.equal(item['description'], 'a slow british woman');
      assert.deepEqual((item['filters'] as Record<string, unknown>)['accents'], ['en-GB']);
      const again = await speak(client, made.voiceUuid);
      assert.ok(again.audio?.equals(made.audio), 'the same audio after the restart');
      assert.equal((await client.raw(made.sampleUrl)).status, 200, 'the samples of a promoted design stay');

      const socket = await TestClient.connect(server.streamUrl, { authorization: `Bearer ${KEY}` });
      try {
        socket.send({ voice_uuid: made.voiceUuid, data: 'Before the delete.', request_id: 1 });
        await socket.waitForTerminals(1);
        assert.equal(socket.terminals[0]!.type, 'audio_end');
        const { status, json } = await client.call(`/api/v2/voices/${made.voiceUuid}`, undefined, 'DELETE');
        assert.equal(status, 200);
        assert.deepEqual(json, { success: true, message: 'Voice was deleted.' });
        socket.send({ voice_uuid: made.voiceUuid, data: 'After the delete.', request_id: 2 });
        await socket.waitForTerminals(2);
        assert.equal(socket.terminals[1]!.error_name, 'VoiceNotFound');
      } finally {
        socket.close();
      }
      assert.equal((await speak(client, made.voiceUuid)).errorName, 'VoiceNotFound');
      assert.equal((await client.call(`/api/v2/voices/${made.voiceUuid}`)).status, 404);
      assert.equal((await client.raw(made.sampleUrl)).status, 404);
      assert.equal(existsSync(path.join(dataDir, 'voice-design', made.design)), false, 'the sample files are deleted');
      assert.ok(!(await listed(client)).some((voice) => voice['uuid'] === made.voiceUuid));
    });
  });

  it('deleted while a request for it waits behind another on the socket: that request gets VoiceNotFound', async () => {
    await withServer(dataFolder(), async (server, client) => {
      const { json } = await client.call('/api/v2/voices', { name: 'Queued', base_voice_uuid: voiceForLanguage('en-GB', 'female', 'espeak-ng')!.uuid });
      const voiceUuid = (json['item'] as Record<string, unknown>)['uuid'] as string;
      const socket = await TestClient.connect(server.streamUrl, { authorization: `Bearer ${KEY}` });
      try {
        // A long request on a built-in voice; the library voice's request waits behind it (and starts early).
        socket.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'A sentence that takes a while to say. '.repeat(40), request_id: 1, binary_response: true });
        socket.send({ voice_uuid: voiceUuid, data: 'Queued behind the first.', request_id: 2 });
        await socket.waitFor(() => socket.received.some((item) => item.kind === 'binary'));
        assert.equal((await client.call(`/api/v2/voices/${voiceUuid}`, undefined, 'DELETE')).status, 200);
        const terminals = await socket.waitForTerminals(2, 60_000);
        assert.equal(terminals[0]!.type, 'audio_end');
        assert.equal(terminals[1]!.request_id, 2);
        assert.equal(terminals[1]!.error_name, 'VoiceNotFound');
      } finally {
        socket.close();
      }
    });
  });
});

describe('POST, PUT, PATCH and DELETE /api/v2/voices', () => {
  it('derives a voice with settings, changes it, and refuses built-ins (403) and cloning (422)', async () => {
    await withServer(dataFolder(), async (_server, client) => {
      const base = voiceForLanguage('en-US', 'male', 'flite')!;
      const created = await client.call('/api/v2/voices', { name: 'Deeper', base_voice_uuid: base.uuid, description: 'rms, lower', settings: { pitch: -4, rate: 0.9 } });
      assert.equal(created.status, 200);
      const item = created.json['item'] as Record<string, unknown>;
      assert.equal(item['engine'], 'flite');
      assert.equal(item['voice_type'], 'custom');
      assert.equal(item['status'], 'ready');
      const uuid = item['uuid'] as string;
      const renamed = await client.call(`/api/v2/voices/${uuid}`, { name: 'Deepest', settings: { pitch: -8 } }, 'PUT');
      assert.equal((renamed.json['item'] as Record<string, unknown>)['name'], 'Deepest');
      const patched = await client.call(`/api/v2/voices/${uuid}`, { description: 'rms, much lower' }, 'PATCH');
      const patchedItem = patched.json['item'] as Record<string, unknown>;
      assert.equal(patchedItem['name'], 'Deepest');
      assert.equal(patchedItem['description'], 'rms, much lower');
      assert.ok(Date.parse(patchedItem['updated_at'] as string) >= Date.parse(patchedItem['created_at'] as string));

      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        const refused = await client.call(`/api/v2/voices/${base.uuid}`, method === 'DELETE' ? undefined : { name: 'mine' }, method);
        assert.equal(refused.status, 403, method);
        assert.equal(refused.json['success'], false);
      }
      const clone = await client.call('/api/v2/voices', { name: 'Clone', dataset_url: 'https://example.com/me.zip' });
      assert.equal(clone.status, 422);
      assert.match(clone.json['message'] as string, /clon/);
      const badSetting = await client.call('/api/v2/voices', { name: 'Bad', settings: { pitch: 40 } });
      assert.equal(badSetting.status, 400);
      assert.equal(badSetting.json['error_name'], 'InvalidRequest');
      assert.equal((await client.call('/api/v2/voices', { settings: {} })).json['error_name'], 'InvalidRequest', 'a name is required');
      assert.equal((await client.call('/api/v2/voices/4c1e0c7b-0000-4000-8000-000000000000', undefined, 'DELETE')).json['error_name'], 'VoiceNotFound');
    });
  });

  it("runs @resemble/node 3.5's voice calls unchanged: list, get, create, update, delete", async () => {
    await withServer(dataFolder(), async (server) => {
      Resemble.setBaseUrl(`${server.url}/api/`);
      Resemble.setApiKey(KEY);
      const created = await Resemble.v2.voices.create({ name: 'From the SDK' });
      assert.ok(created.success && 'item' in created, JSON.stringify(created));
      const uuid = created.item.uuid;
      assert.ok(created.item.created_at instanceof Date && !Number.isNaN(created.item.created_at.getTime()));
      const all = await Resemble.v2.voices.all(1, 100);
      assert.ok(all.success && 'items' in all && all.items.some((voice: { uuid: string }) => voice.uuid === uuid));
      const got = await Resemble.v2.voices.get(uuid);
      assert.ok(got.success && 'item' in got && got.item.name === 'From the SDK' && got.item.status === 'ready');
      const updated = await Resemble.v2.voices.update(uuid, { name: 'Renamed by the SDK' });
      assert.ok(updated.success && 'item' in updated && updated.item.name === 'Renamed by the SDK', JSON.stringify(updated));
      const deleted = await Resemble.v2.voices.delete(uuid);
      assert.equal(deleted.success, true);
      const gone = await Resemble.v2.voices.get(uuid);
      assert.equal(gone.success, false);
    });
  });
});

describe('voxwire voices create|rename|delete and say --data-dir', () => {
  const execFileAsync = promisify(execFile);
  const sandbox = childSandbox();
  after(() => sandbox.remove());
  const run = (...args: string[]) => execFileAsync(process.execPath, sandbox.args(...(args as [string, ...string[]])), { env: sandbox.env });

  it('creates a voice a running server and say both use, renames it, and deletes it', async () => {
    const dataDir = sandbox.dataDir;
    const created = await run('voices', 'create', 'Slow', 'Olivia', '--base', 'Olivia', '--rate', '0.8', '--pitch=-2', '--data-dir', dataDir);
    const uuid = created.stdout.trim().split(/\s+/)[0]!;
    assert.match(uuid, /^[0-9a-f-]{36}$/);
    const { stdout: list } = await run('voices', 'list', '--data-dir', dataDir);
    assert.match(list.trim().split('\n').at(-1)!, new RegExp(`^${uuid} .*espeak-ng +Slow Olivia$`), 'listed after the built-in voices');
    const out = path.join(sandbox.folder, 'library.wav');
    await run('say', 'Spoken by a library voice.', '--voice', uuid, '-o', out, '--data-dir', dataDir);
    parseSpeechWav((await import('node:fs')).readFileSync(out));
    await withServer(dataDir, async (_server, client) => {
      assert.equal((await speak(client, uuid)).status, 200);
      const renamed = await run('voices', 'rename', uuid, 'Slower', 'Olivia', '--data-dir', dataDir);
      assert.match(renamed.stdout, /Slower Olivia/);
      await run('voices', 'delete', 'Slower Olivia', '--data-dir', dataDir);
      // The server reads the library again every 2 s: the voice deleted elsewhere leaves it.
      const deadline = Date.now() + 20_000;
      while ((await speak(client, uuid)).status === 200) {
        assert.ok(Date.now() < deadline, 'the running server still speaks a voice deleted on the command line');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal((await speak(client, uuid)).errorName, 'VoiceNotFound');
    });
    await assert.rejects(run('voices', 'delete', uuid, '--data-dir', dataDir), /No library voice matches/);
  });
});

describe('design samples', () => {
  it('are kept 4 hours, then swept with their design, unless a voice was made from it', async () => {
    const dataDir = dataFolder();
    const engines = startEngines([flitePlugin()], { workers: 1 });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const library = await VoiceLibrary.open({
      store: openSqliteLibrary(dataDir),
      catalogue: new VoiceCatalogue(),
      pipeline: createPipeline(engines),
      plugins: [flitePlugin()],
      samplesDir: path.join(dataDir, 'voice-design'),
      now: () => now,
    });
    try {
      await engines.ready();
      const signal = new AbortController().signal;
      const kept = await library.design('a fast woman', signal);
      const swept = await library.design('a slow man', signal);
      await library.promote(kept.uuid, 2, 'Kept');
      now += SAMPLE_LIFETIME_MS - 1;
      assert.equal(await library.sweep(), 0, 'nothing goes before 4 hours');
      assert.ok(await library.sample(swept.uuid, 0) !== undefined);
      now += 2;
      assert.equal(await library.sweep(), 1);
      assert.equal(await library.sample(swept.uuid, 0), undefined);
      assert.equal(existsSync(path.join(dataDir, 'voice-design', swept.uuid)), false);
      assert.deepEqual((await library.designs()).map((design) => design.uuid), [kept.uuid]);
      assert.ok(await library.sample(kept.uuid, 1) !== undefined, 'the promoted design keeps its samples');
    } finally {
      await library.close();
      await engines.close();
    }
  });
});
