/**
 * `voxwire voices available | pull | rescan` and SIGHUP, as users run them (real child processes), against a
 * Piper catalogue served from loopback: a pull shows its progress, checks size and md5, installs nothing on a
 * wrong checksum, resumes an interrupted download (and never leaves a half file that is taken for a voice),
 * and the running server lists the new voice.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Voxwire } from '../../src/app.js';
import { uuidV5, VOICE_NAMESPACE } from '../../src/voices/catalogue.js';
import { startTestServer } from '../conformance/server.js';
import { send } from '../http/http-client.js';
import { startChildServer } from '../reliability/child-server.js';
import { childSandbox } from '../support/child-env.js';
import { piperTestConfig, piperTestModel, writePiperVoice } from '../support/onnx-models.js';

const execFileAsync = promisify(execFile);
const sandbox = childSandbox();
const dataDir = sandbox.dataDir;
const piperDir = join(dataDir, 'voices', 'piper');

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** What the loopback catalogue serves: path under the base → bytes. */
const files = new Map<string, Buffer>();
const catalogue: Record<string, unknown> = {};
/** Paths whose next GET is cut after half the file (the socket destroyed mid-body). */
const cutOnce = new Set<string>();
/** Range headers received, by path. */
const ranges: { path: string; range: string | undefined }[] = [];

function addVoice(key: string, language: string, options: { wrongMd5?: boolean; weightBytes?: number } = {}): void {
  const dir = `${language.split('_')[0]}/${language}/${key.split('-')[1]}/medium`;
  const model = Buffer.from(piperTestModel({ weightBytes: options.weightBytes ?? 0 }));
  const config = Buffer.from(JSON.stringify(piperTestConfig({ languageCode: language })));
  files.set(`${dir}/${key}.onnx`, model);
  files.set(`${dir}/${key}.onnx.json`, config);
  catalogue[key] = {
    key,
    name: key.split('-')[1],
    language: { code: language, family: language.split('_')[0], name_english: language },
    quality: 'medium',
    num_speakers: 1,
    speaker_id_map: {},
    files: {
      [`${dir}/${key}.onnx`]: { size_bytes: model.length, md5_digest: options.wrongMd5 ? md5(Buffer.from('something else')) : md5(model) },
      [`${dir}/${key}.onnx.json`]: { size_bytes: config.length, md5_digest: md5(config) },
      [`${dir}/MODEL_CARD`]: { size_bytes: 3, md5_digest: md5(Buffer.from('card')) },
    },
    aliases: [],
  };
}

function serveCatalogue(request: IncomingMessage, response: ServerResponse): void {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^\/piper-voices\//u, '');
  if (path === 'voices.json') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(catalogue));
    return;
  }
  const bytes = files.get(path);
  if (bytes === undefined) {
    response.writeHead(404).end();
    return;
  }
  const range = request.headers.range;
  ranges.push({ path, range });
  const from = range === undefined ? 0 : Number(/^bytes=(\d+)-$/u.exec(range)?.[1] ?? 0);
  const body = bytes.subarray(from);
  response.writeHead(range === undefined ? 200 : 206, {
    'content-length': body.length,
    ...(range === undefined ? {} : { 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` }),
  });
  if (cutOnce.delete(path)) {
    response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
    return;
  }
  response.end(body);
}

let catalogueServer: Server;
let voicesUrl: string;
let server: Voxwire;

async function voxwire(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, sandbox.args('voices', ...args), { env: sandbox.env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const pull = (key: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  voxwire('pull', key, '--data-dir', dataDir, '--voices-url', voicesUrl, '--server', server.url);

async function servedUuids(url: string): Promise<string[]> {
  const response = await send(url, '/api/v2/voices?page_size=1000');
  return (JSON.parse(response.raw.toString()) as { items: { uuid: string }[] }).items.map((item) => item.uuid);
}

before(async () => {
  // A model of a few hundred kilobytes, so the download comes in many pieces and can be cut in its middle.
  addVoice('en_US-pulled-medium', 'en_US', { weightBytes: 400_000 });
  addVoice('en_US-badsum-medium', 'en_US', { wrongMd5: true });
  addVoice('de_DE-other-medium', 'de_DE');
  catalogueServer = createServer(serveCatalogue);
  await new Promise<void>((resolve) => catalogueServer.listen(0, '127.0.0.1', resolve));
  voicesUrl = `http://127.0.0.1:${(catalogueServer.address() as AddressInfo).port}/piper-voices`;
  mkdirSync(dataDir, { recursive: true });
  server = await startTestServer({ dataDir });
});

after(async () => {
  await server?.close();
  await new Promise((resolve) => catalogueServer?.close(resolve));
  sandbox.remove();
});

describe('voxwire voices available', () => {
  it('lists the catalogue, filtered by language', async () => {
    const all = await voxwire('available', '--voices-url', voicesUrl, '--data-dir', dataDir);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /en_US-pulled-medium\s+en_US\s+medium/u);
    assert.match(all.stdout, /de_DE-other-medium/u);
    const english = await voxwire('available', '--language', 'en', '--voices-url', voicesUrl, '--data-dir', dataDir);
    assert.match(english.stdout, /en_US-pulled-medium/u);
    assert.doesNotMatch(english.stdout, /de_DE/u);
  });
});

describe('voxwire voices pull', () => {
  it('a wrong md5 installs nothing', async () => {
    const result = await pull('en_US-badsum-medium');
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /md5/u);
    assert.match(result.stderr, /nothing was installed/u);
    const left = existsSync(piperDir) ? readdirSync(piperDir).filter((name) => name.includes('badsum')) : [];
    assert.deepEqual(left, [], 'no model, no config, no part');
    assert.equal((await servedUuids(server.url)).includes(uuidV5(VOICE_NAMESPACE, 'piper/en_US-badsum-medium')), false);
  });

  it('an interrupted download leaves no file taken for a voice, and the next pull resumes it; the server lists the voice', async () => {
    const modelPath = [...files.keys()].find((path) => path.endsWith('en_US-pulled-medium.onnx'))!;
    const model = files.get(modelPath)!;
    cutOnce.add(modelPath);
    const cut = await pull('en_US-pulled-medium');
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stderr, /interrupted/u);
    assert.equal(existsSync(join(piperDir, 'en_US-pulled-medium.onnx')), false, 'no model installed');
    const partSize = readFileSync(join(piperDir, 'en_US-pulled-medium.onnx.part')).length;
    assert.ok(partSize > 0 && partSize < model.length, `a part of ${partSize} of ${model.length} bytes stays`);
    const report = JSON.parse((await send(server.url, '/admin/voices/rescan', { method: 'POST' })).raw.toString()) as { added: string[] };
    assert.deepEqual(report.added, [], 'the part is not taken for a voice');

    ranges.length = 0;
    const resumed = await pull('en_US-pulled-medium');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(ranges.filter((entry) => entry.path === modelPath).map((entry) => entry.range), [`bytes=${partSize}-`], 'the model was resumed from the part');
    assert.match(resumed.stderr, /en_US-pulled-medium \[#+\] 100%/u, 'a progress bar that reaches 100 %');
    assert.equal(md5(readFileSync(join(piperDir, 'en_US-pulled-medium.onnx'))), md5(model));
    assert.equal(existsSync(join(piperDir, 'en_US-pulled-medium.onnx.part')), false);
    const uuid = uuidV5(VOICE_NAMESPACE, 'piper/en_US-pulled-medium');
    assert.match(resumed.stdout, new RegExp(`added\\s+${uuid}`, 'u'), 'the server was told and reports the voice');
    assert.ok((await servedUuids(server.url)).includes(uuid), 'the running server lists the new voice');
    const spoken = await send(server.url, '/synthesize', { body: { voice_uuid: uuid, data: 'Pulled and served.', sample_rate: 22050 } });
    assert.equal(spoken.status, 200, spoken.raw.toString());
  });
});

describe('telling a running server', () => {
  it('SIGHUP and `voxwire voices rescan` make `voxwire serve` pick up added and removed models', async () => {
    const folder = join(sandbox.folder, 'served');
    const child = await startChildServer(['--data-dir', folder]);
    try {
      const uuid = uuidV5(VOICE_NAMESPACE, 'piper/en_US-signal-medium');
      assert.equal((await servedUuids(child.httpUrl)).includes(uuid), false);
      writePiperVoice(join(folder, 'voices', 'piper'), 'en_US-signal-medium');
      child.process.kill('SIGHUP');
      await child.waitForLog((line) => line['msg'] === 'voice models scanned' && Array.isArray(line['added']) && (line['added'] as string[]).includes('piper/en_US-signal-medium'));
      assert.ok((await servedUuids(child.httpUrl)).includes(uuid));
      rmSync(join(folder, 'voices', 'piper', 'en_US-signal-medium.onnx'));
      const rescan = await voxwire('rescan', '--server', child.httpUrl);
      assert.equal(rescan.code, 0, rescan.stderr);
      assert.match(rescan.stdout, new RegExp(`removed\\s+${uuid}`, 'u'));
      assert.equal((await servedUuids(child.httpUrl)).includes(uuid), false);
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  });

  it('rescan says so when no server answers', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = await voxwire('rescan', '--server', `http://127.0.0.1:${port}`);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No voxwire server answers/u);
  });
});
