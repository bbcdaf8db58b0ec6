/**
 * Issue 11, browsers (protocol.md section 5): what a web page can make a browser send — a foreign `Origin`,
 * a `text/plain` "simple" POST, a DNS-rebound `Host` — is refused in keyless mode on every endpoint (both
 * ports) and on the upgrade; the server's own origin and clients without `Origin` are served; an allowed
 * origin gets CORS answers, preflight included; `--host` names are resolved before a keyless server listens.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { ConfigError, loadSettings } from '../../src/config/settings.js';
import { startTestServer } from '../conformance/server.js';
import { jsonOf, send, type RawResponse } from './http-client.js';

const voice = DEFAULT_VOICE.uuid;
const SPEECH = { voice_uuid: voice, data: 'Hi.', sample_rate: 8000 };
const FOREIGN = 'http://evil.example';
const ALLOWED = 'https://app.example.com';
const KEY = 'vx-browser-test-key-5e1d9c';

/** Every HTTP endpoint, with a request that a client without any browser trait gets served on. */
const ENDPOINTS: readonly { readonly path: string; readonly body?: Record<string, unknown> }[] = [
  { path: '/health' },
  { path: '/ready' },
  { path: '/metrics' },
  { path: '/api/v2/voices' },
  { path: `/api/v2/voices/${voice}` },
  { path: '/synthesize', body: SPEECH },
  { path: '/stream', body: SPEECH },
];

/** The status line the server answers a raw request head with. */
async function rawStatus(baseUrl: string, head: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.write(head);
  return new Promise((resolve, reject) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n')) return;
      socket.destroy();
      resolve(received.slice(0, received.indexOf('\r\n')));
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
  });
}

/** The status line of an upgrade sent with exactly these extra headers (Host included). */
function upgradeStatus(baseUrl: string, headers: Record<string, string>, target = '/stream'): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  const lines = Object.entries({ host: `${hostname}:${port}`, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  return rawStatus(
    baseUrl,
    `GET ${target} HTTP/1.1\r\n${lines.join('')}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
}

function assertForbidden(response: RawResponse, what: string): void {
  assert.equal(response.status, 403, what);
  const body = jsonOf(response);
  assert.equal(body['success'], false, what);
  assert.equal(body['error_name'], 'Forbidden', what);
  assert.equal(typeof body['message'], 'string');
  assert.equal(response.headers['access-control-allow-origin'], undefined, `${what}: no CORS grant`);
}

describe('keyless: page-like clients are refused, others served', () => {
  let server: Voxwire;
  let own = '';
  let port = '';
  before(async () => {
    server = await startTestServer({ workers: 1, metricsPort: 0 });
    own = server.url;
    port = new URL(server.url).port;
  });
  after(() => server.close());

  it('a foreign Origin is refused with 403 on every endpoint, on the metrics port and on the upgrade', async () => {
    for (const { path, body } of ENDPOINTS) {
      assertForbidden(await send(own, path, { headers: { origin: FOREIGN }, ...(body === undefined ? {} : { body }) }), `${path} with Origin ${FOREIGN}`);
    }
    for (const path of ['/health', '/metrics']) assertForbidden(await send(server.metricsUrl!, path, { headers: { origin: FOREIGN } }), `metrics port ${path}`);
    assert.match(await upgradeStatus(own, { origin: FOREIGN }), /^HTTP\/1\.1 403 /);
    // `null` (sandboxed frames, file: pages) is an origin like any other foreign one.
    assert.match(await upgradeStatus(own, { origin: 'null' }), /^HTTP\/1\.1 403 /);
    await assert.rejects(TestClient.connect(server.streamUrl, { origin: FOREIGN }), /403/);
  });

  it('a rebound Host (not a loopback name) is refused with 403 everywhere, without any Origin', async () => {
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `0.0.0.0:${port}`, `192.168.1.7:${port}`]) {
      for (const { path, body } of ENDPOINTS) {
        assertForbidden(await send(own, path, { headers: { host }, ...(body === undefined ? {} : { body }) }), `${path} with Host "${host}"`);
      }
      assert.match(await upgradeStatus(own, { host }), /^HTTP\/1\.1 403 /, `upgrade with Host "${host}"`);
    }
    assertForbidden(await send(server.metricsUrl!, '/metrics', { headers: { host: 'evil.example' } }), 'metrics port');
  });

  it('a text/plain or form "simple" POST is refused with 415 before its body is read, whatever it holds', async () => {
    for (const path of ['/synthesize', '/stream']) {
      for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jsonp']) {
        const response = await send(own, path, { headers: { 'content-type': type }, body: SPEECH });
        assert.equal(response.status, 415, `${path} as ${type}`);
        assert.equal(jsonOf(response)['error_name'], 'UnsupportedMediaType');
      }
      const none = await send(own, path, { headers: { 'content-type': '' }, body: SPEECH });
      assert.equal(none.status, 415, `${path} without a Content-Type`);
    }
  });

  it('loopback Host names in every form, the own origin and clients without Origin are served', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `127.8.9.10:${port}`, 'localhost']) {
      for (const { path, body } of ENDPOINTS) {
        const response = await send(own, path, { headers: { host }, ...(body === undefined ? {} : { body }) });
        assert.equal(response.status, 200, `${path} with Host ${host}`);
      }
      assert.match(await upgradeStatus(own, { host }), /^HTTP\/1\.1 101 /, `upgrade with Host ${host}`);
    }
    for (const { path, body } of ENDPOINTS) {
      assert.equal((await send(own, path, { headers: { origin: own }, ...(body === undefined ? {} : { body }) })).status, 200, `${path} from the own origin`);
    }
    const page = await TestClient.connect(server.streamUrl, { origin: own });
    page.send(SPEECH);
    assert.equal((await page.waitForTerminals(1))[0]?.type, 'audio_end', 'the own origin streams');
    page.close();
  });

  it('a request target that is no URL gets 400 on HTTP and on the upgrade, and the server stays up', async () => {
    for (const target of ['//a:b', '//[']) {
      assert.match(await rawStatus(own, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 400 /, target);
      assert.match(await rawStatus(server.metricsUrl!, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 400 /, target);
      assert.match(await upgradeStatus(own, {}, target), /^HTTP\/1\.1 400 /, `upgrade to ${target}`);
    }
    assert.equal((await send(own, '/health')).status, 200);
  });

  it('application/json with a UTF-8 charset is taken, and a UTF-8 BOM before the JSON is skipped', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      assert.equal((await send(own, '/synthesize', { headers: { 'content-type': type }, body: SPEECH })).status, 200, type);
    }
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ ...SPEECH, data: 'Byte order mark.' }))]);
    for (const path of ['/synthesize', '/stream']) {
      const response = await send(own, path, { body: withBom });
      assert.equal(response.status, 200, `${path} with a BOM: ${response.raw.toString('utf8').slice(0, 200)}`);
    }
    const synthesized = jsonOf(await send(own, '/synthesize', { body: withBom }));
    assert.equal((synthesized['audio_timestamps'] as { graph_chars: string[] }).graph_chars.join(''), 'Byte order mark.', 'the BOM is not part of the text');
    const twice = await send(own, '/synthesize', { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), withBom]) });
    assert.equal(jsonOf(twice)['error_name'], 'BadJSON', 'only one BOM, at the start, is skipped');
  });
});

describe('allowed origins get CORS answers', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ workers: 1, allowedOrigins: [ALLOWED] });
  });
  after(() => server.close());

  it('requests from an allowed origin are served with Access-Control-Allow-Origin and Vary: Origin', async () => {
    for (const { path, body } of ENDPOINTS) {
      const response = await send(server.url, path, { headers: { origin: ALLOWED }, ...(body === undefined ? {} : { body }) });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers['access-control-allow-origin'], ALLOWED, path);
      assert.match(String(response.headers['vary']), /\bOrigin\b/, path);
      assert.match(String(response.headers['access-control-expose-headers']), /X-Request-Id/i, path);
    }
    // An error answer carries the grant too, or the page could not read why it was refused.
    const refused = await send(server.url, '/synthesize', { headers: { origin: ALLOWED }, body: { voice_uuid: voice, data: '' } });
    assert.equal(refused.status, 400);
    assert.equal(refused.headers['access-control-allow-origin'], ALLOWED);
    const ws = await TestClient.connect(server.streamUrl, { origin: ALLOWED });
    ws.send(SPEECH);
    assert.equal((await ws.waitForTerminals(1))[0]?.type, 'audio_end');
    ws.close();
  });

  it('a preflight from an allowed origin is answered 204 with the methods and headers of the path; others are refused', async () => {
    const preflight = (path: string, origin: string, method: string): Promise<RawResponse> =>
      send(server.url, path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });
    for (const [path, methods] of [['/synthesize', ['POST']], ['/stream', ['POST']], ['/api/v2/voices', ['GET', 'HEAD']], ['/health', ['GET', 'HEAD']]] as const) {
      const response = await preflight(path, ALLOWED, methods[0]);
      assert.equal(response.status, 204, path);
      assert.equal(response.headers['access-control-allow-origin'], ALLOWED, path);
      const allowMethods = String(response.headers['access-control-allow-methods']).split(/,\s*/);
      for (const method of methods) assert.ok(allowMethods.includes(method), `${path} allows ${method}: ${allowMethods.join(',')}`);
      const allowHeaders = String(response.headers['access-control-allow-headers']).toLowerCase();
      assert.match(allowHeaders, /authorization/);
      assert.match(allowHeaders, /content-type/);
      assert.ok(Number(response.headers['access-control-max-age']) > 0);
      assert.equal(response.raw.length, 0);
    }
    assertForbidden(await preflight('/synthesize', FOREIGN, 'POST'), 'a preflight from a foreign origin');
    assert.equal((await preflight('/nowhere', ALLOWED, 'GET')).status, 404, 'no preflight grant for a path that does not exist');
  });

  it('an origin that is not listed gets 403 and no grant; a near miss is not a match', async () => {
    for (const origin of [FOREIGN, 'http://app.example.com', 'https://app.example.com:8443', 'https://app.example.com.evil.example', 'https://evil.example?https://app.example.com']) {
      assertForbidden(await send(server.url, '/api/v2/voices', { headers: { origin } }), origin);
    }
  });
});

describe('with keys', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ workers: 1, apiKeys: [KEY] });
  });
  after(() => server.close());

  it('any Host is served with a key (the key stops rebinding), a foreign Origin is still refused even with the key', async () => {
    const headers = { authorization: `Bearer ${KEY}` };
    assert.equal((await send(server.url, '/api/v2/voices', { headers: { ...headers, host: 'tts.example.org' } })).status, 200);
    assert.match(await upgradeStatus(server.url, { ...headers, host: 'tts.example.org' }), /^HTTP\/1\.1 101 /);
    assertForbidden(await send(server.url, '/api/v2/voices', { headers: { ...headers, origin: FOREIGN } }), 'foreign origin with a key');
    assert.match(await upgradeStatus(server.url, { ...headers, origin: FOREIGN }), /^HTTP\/1\.1 403 /);
    // The own origin of a server reached by name is that name.
    assert.equal((await send(server.url, '/api/v2/voices', { headers: { ...headers, host: 'tts.example.org', origin: 'https://tts.example.org' } })).status, 200);
  });
});

describe('--host is resolved before a keyless server listens', () => {
  it('0.0.0.0, a public address and a name resolving to 0.0.0.0 (or to loopback and 0.0.0.0) are refused; loopback names listen on loopback', async () => {
    await assert.rejects(startTestServer({ workers: 1, host: '0.0.0.0' }), /Refusing to listen on 0\.0\.0\.0/);
    await assert.rejects(startTestServer({ workers: 1, host: '::' }), /Refusing to listen/);
    const names: Record<string, readonly string[]> = { 'rebind.test': ['0.0.0.0'], 'mixed.test': ['127.0.0.1', '0.0.0.0'], 'lan.test': ['::1', '192.168.1.7'], '127.0.0.1.evil.test': ['0.0.0.0'] };
    const lookup = async (host: string): Promise<readonly string[]> => names[host] ?? ['127.0.0.1'];
    for (const host of Object.keys(names)) {
      await assert.rejects(startTestServer({ workers: 1, host, lookup }), (error: Error) => error.message.includes(host) && /Refusing to listen/.test(error.message), host);
    }
    const resolved = await startTestServer({ workers: 1, host: 'loopback.test', lookup });
    try {
      assert.equal((resolved.server.http.address() as { address: string }).address, '127.0.0.1', 'it listens on the address it checked');
    } finally {
      await resolved.close();
    }
    await assert.rejects(startTestServer({ workers: 1, host: 'does-not-exist.invalid' }), /--host does-not-exist\.invalid cannot be resolved/);
  });
});

describe('--allowed-origins', () => {
  it('takes origins from a flag, the environment or the config file, normalized; refuses anything that is not an origin', () => {
    const env = { VOXWIRE_ALLOWED_ORIGINS: 'HTTPS://App.Example.com:443, http://localhost:3000/' };
    assert.deepEqual(loadSettings([], env).allowedOrigins, ['https://app.example.com', 'http://localhost:3000']);
    assert.deepEqual(loadSettings(['--allowed-origins', 'http://[::1]:5173'], env).allowedOrigins, ['http://[::1]:5173'], 'the flag wins');
    for (const bad of ['*', 'null', 'app.example.com', 'https://app.example.com/path', 'ftp://app.example.com', 'https://user@app.example.com', 'https://app.example.com?x=1']) {
      assert.throws(() => loadSettings(['--allowed-origins', bad], {}), (error: Error) => error instanceof ConfigError && error.message.includes('--allowed-origins'), bad);
    }
  });
});
