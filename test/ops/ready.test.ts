/**
 * /health and /ready through a server's life: 503 while the engines warm up (the server already listens),
 * 200 once warm, 503 again while draining; /health 200 throughout. In process, and as `voxwire serve`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { startVoxwire } from '../../src/app.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { jsonOf, send } from '../http/http-client.js';
import { REPO_ROOT, childSandbox } from '../support/child-env.js';

async function probe(baseUrl: string, pathname: '/ready' | '/health'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await send(baseUrl, pathname);
  return { status: response.status, body: jsonOf(response) };
}

describe('/ready and /health', () => {
  it('answer 503 before warm-up, serve a request sent meanwhile, then 200; /health is 200 throughout', async () => {
    const server = await startVoxwire({ port: 0, workers: 2, listenBeforeWarm: true });
    try {
      const first = await probe(server.url, '/ready');
      assert.equal(first.status, 503, 'not ready while the engines warm up');
      assert.deepEqual(first.body, { status: 'not ready', reason: 'warming up' });
      const early = send(server.url, '/synthesize', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Sent before the engine was warm.' } });
      const seen: number[] = [];
      for (let tries = 0; tries < 300; tries += 1) {
        assert.equal((await probe(server.url, '/health')).status, 200, '/health while warming up');
        const ready = await probe(server.url, '/ready');
        seen.push(ready.status);
        if (ready.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(seen.at(-1), 200, 'ready once warm');
      assert.ok(seen.every((status) => status === 503 || status === 200));
      await server.warm;
      assert.deepEqual((await probe(server.url, '/ready')).body, { status: 'ready' });
      const answered = await early;
      assert.equal(answered.status, 200, 'a request that came during warm-up waits and is answered');
    } finally {
      await server.close();
    }
  });

  it('answer 503 on the metrics port while draining, /health 200, and the port closes after the drain', async () => {
    const server = await startVoxwire({ port: 0, workers: 2, metricsPort: 0, shutdownGraceMs: 20_000 });
    const metricsUrl = server.metricsUrl!;
    assert.ok(metricsUrl !== undefined && metricsUrl !== server.url);
    assert.equal((await probe(metricsUrl, '/ready')).status, 200);
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'A long request that is still being answered while the server drains. '.repeat(3) });
    await client.waitFor(() => client.frames.some((frame) => frame.type === 'audio'));

    const closing = server.close();
    const draining = await probe(metricsUrl, '/ready');
    assert.equal(draining.status, 503);
    assert.deepEqual(draining.body, { status: 'not ready', reason: 'draining' });
    assert.equal((await probe(metricsUrl, '/health')).status, 200, 'alive while draining');
    assert.equal((await send(metricsUrl, '/metrics')).status, 200, 'scrapable while draining');
    await assert.rejects(send(server.url, '/health'), 'the main port takes no new connections while draining');
    await client.waitForTerminals(1);
    assert.equal(client.terminals[0]!.type, 'audio_end', 'the running request finished');
    await closing;
    await assert.rejects(send(metricsUrl, '/health'), 'the metrics port closes once drained');
  });

  it('`voxwire serve` listens before warm-up: probes see 503, then 200; SIGTERM stops it with exit 0', async () => {
    const sandbox = childSandbox();
    const child = spawn(process.execPath, sandbox.args('serve', '--port', '0', '--workers', '2', '--log-format', 'json'), { cwd: REPO_ROOT, env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      let port: number | undefined;
      while (port === undefined && Date.now() < deadline) {
        const line = stdout.split('\n').find((text) => text.includes('voxwire listening'));
        if (line !== undefined) port = (JSON.parse(line) as { port: number }).port;
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(port !== undefined, `the server logs its port: ${stdout}`);
      const url = `http://127.0.0.1:${port}`;
      const seen: number[] = [];
      while (seen.at(-1) !== 200 && Date.now() < deadline) {
        assert.equal((await probe(url, '/health')).status, 200);
        seen.push((await probe(url, '/ready')).status);
      }
      assert.equal(seen[0], 503, `first probe before warm-up (${seen.length} probes)`);
      assert.equal(seen.at(-1), 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const messages = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg);
      assert.deepEqual(messages.filter((msg) => msg !== 'http request'), ['voxwire listening without API keys: loopback clients only', 'ready', 'shutting down: finishing running requests', 'stopped']);
    } finally {
      child.kill('SIGKILL');
      sandbox.remove();
    }
  });
});
