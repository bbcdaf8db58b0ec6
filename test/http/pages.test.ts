/**
 * The playground's files (protocol.md sections 5 and 8): served at `/` and `/assets/…` with the security
 * headers and the page's own Content-Security-Policy, under the same Origin and Host rules as every endpoint,
 * without a key (the page is where the key is typed), and nothing but the page's own files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { startTestServer } from '../conformance/server.js';
import { buildPageScripts } from '../support/page-scripts.js';
import { jsonOf, send } from './http-client.js';

const PAGE_FILES = [
  { path: '/', type: 'text/html; charset=utf-8', holds: '<script type="module" src="/assets/playground/app.js">' },
  { path: '/assets/style.css', type: 'text/css; charset=utf-8', holds: ':focus-visible' },
  { path: '/assets/playground/app.js', type: 'text/javascript; charset=utf-8', holds: "from '../client/index.js'" },
  { path: '/assets/client/index.js', type: 'text/javascript; charset=utf-8', holds: 'VoxwireClient' },
];

describe('keyless', () => {
  let server: Voxwire;
  before(async () => {
    await buildPageScripts();
    server = await startTestServer({ workers: 1 });
  });
  after(() => server.close());

  it('serves the page and its scripts with the security headers and a CSP that keeps it to its own server', async () => {
    for (const file of PAGE_FILES) {
      const response = await send(server.url, file.path);
      assert.equal(response.status, 200, file.path);
      assert.equal(response.headers['content-type'], file.type, file.path);
      assert.ok(response.raw.toString('utf8').includes(file.holds), `${file.path} holds ${file.holds}`);
      const csp = String(response.headers['content-security-policy']);
      for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), `${file.path}: ${directive}`);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.equal(response.headers['cache-control'], 'no-store');
    }
    assert.equal((await send(server.url, '/', { method: 'HEAD' })).raw.length, 0);
  });

  it('applies the Origin and Host rules: the own origin is served, a foreign one and a rebound name are refused', async () => {
    const own = await send(server.url, '/assets/playground/app.js', { headers: { origin: server.url } });
    assert.equal(own.status, 200);
    assert.equal(own.headers['access-control-allow-origin'], server.url);
    const refusals: Record<string, string>[] = [{ origin: 'http://evil.example' }, { host: 'rebound.example' }];
    for (const headers of refusals) {
      const refused = await send(server.url, '/', { headers });
      assert.equal(refused.status, 403, JSON.stringify(headers));
      assert.equal(jsonOf(refused)['error_name'], 'Forbidden');
    }
  });

  it('serves no other file: sources, traversal and unknown names are 404', async () => {
    for (const path of ['/assets/client/transport.ts', '/assets/client/..%2F..%2F..%2Fpackage.json', '/assets/../package.json', '/assets/server/server.js', '/assets/playground/App.js', '/index.htm']) {
      const response = await send(server.url, path);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", `${path}: the API's CSP, not the page's`);
    }
    // Only GET and HEAD reach the page; anything else is the API's unknown endpoint.
    assert.equal(jsonOf(await send(server.url, '/', { method: 'POST', body: {} }))['error_name'], 'NotFound');
  });
});

it('with keys, the page loads without one while the API still needs it', async () => {
  const server = await startTestServer({ workers: 1, apiKeys: ['pages-test-key'] });
  try {
    assert.equal((await send(server.url, '/')).status, 200);
    assert.equal((await send(server.url, '/api/v2/voices')).status, 401);
    assert.equal((await send(server.url, '/api/v2/voices?api_key=pages-test-key')).status, 200);
  } finally {
    await server.close();
  }
});
