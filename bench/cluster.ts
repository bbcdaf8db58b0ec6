/**
 * `npm run bench:cluster`: what cluster mode costs a connection, in one run on real servers (Debian's
 * PostgreSQL, Redis and nginx, as the cluster tests start them). Four targets take turns connection by
 * connection, so the machine's load falls on each alike:
 *   - one node direct (its own limits);
 *   - one node direct with --redis-url (the shared limit's Redis round trip per connection);
 *   - two nodes on PostgreSQL and Redis behind nginx (the operator's guide's set-up).
 * Each connection: WebSocket handshake (connect → open), then one short sentence (send → first audio byte),
 * then close. Separately, the shared limit alone: acquire + release in this process against the same Redis.
 * Prints a Markdown table; `--connections N` per target (default 200).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import WebSocket from 'ws';
import { openSharedLimits } from '../src/cluster/shared-limits.js';
import { ConnectionLimits } from '../src/server/connection-limits.js';
import { DEFAULT_VOICE } from '../src/voices/catalogue.js';
import { startChildServer, type ChildServer } from '../test/reliability/child-server.js';
import { startNginx, startPostgres, startRedis } from '../test/support/cluster.js';
import { summarize, type Summary } from './stats.js';

const { values: args } = parseArgs({ options: { connections: { type: 'string', default: '200' } } });
const CONNECTIONS = Number(args.connections);
const KEY = 'bench-cluster-key';
const REQUEST = JSON.stringify({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Hello there.', sample_rate: 16000, precision: 'PCM_16', binary_response: true });

interface Sample {
  readonly openMs: number;
  readonly firstAudioMs: number;
}

/** One connection: handshake, one request to its first audio, close. */
function oneConnection(url: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${KEY}` }, perMessageDeflate: false });
    let opened = 0;
    let sent = 0;
    socket.once('open', () => {
      opened = performance.now();
      sent = performance.now();
      socket.send(REQUEST);
    });
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        const frame = JSON.parse(String(data)) as { type: string; error_name?: string };
        if (frame.type === 'error') reject(new Error(`${url}: ${frame.error_name}`));
        return;
      }
      const firstAudio = performance.now();
      socket.close();
      socket.once('close', () => resolve({ openMs: opened - started, firstAudioMs: firstAudio - sent }));
    });
    socket.once('error', reject);
  });
}

async function main(): Promise<void> {
  const postgres = await startPostgres();
  const redis = await startRedis();
  const nodes: ChildServer[] = [];
  const node = async (...extra: string[]): Promise<ChildServer> => {
    const started = await startChildServer(['--workers', '1', '--per-key-connections', '100000', ...extra], { VOXWIRE_API_KEYS: KEY });
    nodes.push(started);
    return started;
  };
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  try {
    const [single, withRedis, a, b] = await Promise.all([
      node(),
      node('--redis-url', redis.url),
      node('--database-url', postgres.url, '--redis-url', redis.url),
      node('--database-url', postgres.url, '--redis-url', redis.url),
    ]);
    nginx = await startNginx([new URL(a.httpUrl).host, new URL(b.httpUrl).host]);
    const targets = [
      { name: 'one node, direct', url: single.streamUrl },
      { name: 'one node, direct, --redis-url', url: withRedis.streamUrl },
      { name: 'two nodes (PostgreSQL + Redis) through nginx', url: nginx.streamUrl },
    ];
    const samples = new Map<string, Sample[]>(targets.map((target) => [target.name, []]));
    // Warm-up: the first requests of each node pay for code loading, not for the cluster.
    for (const target of targets) for (let i = 0; i < 10; i += 1) await oneConnection(target.url);
    for (let i = 0; i < CONNECTIONS; i += 1) {
      for (const target of targets) samples.get(target.name)!.push(await oneConnection(target.url));
    }

    const limits = await openSharedLimits({ url: redis.url, perKey: 100000, local: new ConnectionLimits({ perKey: 100000, global: 100000 }), log: pino({ level: 'silent' }) });
    const local = new ConnectionLimits({ perKey: 100000, global: 100000 });
    const principal = { name: 'bench', id: 'bench' };
    const timeAcquire = async (gate: { acquire: typeof local.acquire | typeof limits.acquire }): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < 2000; i += 1) {
        const start = performance.now();
        const release = await gate.acquire(principal, true);
        release!();
        times.push((performance.now() - start) * 1000);
      }
      return times;
    };
    const localTimes = await timeAcquire(local);
    const sharedTimes = await timeAcquire(limits);
    await limits.close();

    const fmt = (summary: Summary): string => `${summary.p50} / ${summary.p95}`;
    const lines = [
      `Measured by \`npm run bench:cluster -- --connections ${CONNECTIONS}\` on ${new Date().toISOString().slice(0, 10)}; each target ${CONNECTIONS} connections, taken in turns; ms p50 / p95.`,
      '',
      '| target | handshake (connect → open) | first audio (send → first byte) | set-up to first audio |',
      '| --- | --- | --- | --- |',
      ...targets.map((target) => {
        const own = samples.get(target.name)!;
        return `| ${target.name} | ${fmt(summarize(own.map((s) => s.openMs)))} | ${fmt(summarize(own.map((s) => s.firstAudioMs)))} | ${fmt(summarize(own.map((s) => s.openMs + s.firstAudioMs)))} |`;
      }),
      '',
      `Shared limit alone, acquire (its Redis round trip) + release (sent without waiting), 2000 in a row, µs p50 / p95: local ${fmt(summarize(localTimes))}, Redis ${fmt(summarize(sharedTimes))}.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await nginx?.stop();
    for (const started of nodes) {
      started.process.kill('SIGTERM');
      await started.exited;
    }
    await redis.stop();
    await postgres.remove();
  }
}

await main();
