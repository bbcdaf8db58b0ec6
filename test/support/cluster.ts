/**
 * Real PostgreSQL, Redis and nginx servers for the cluster tests, from Debian's packages (.ci/run installs
 * them), each on a free loopback port in a temporary folder of its own, stopped by its pid. PostgreSQL
 * refuses to run as root: when the tests run as root, initdb and pg_ctl run as `nobody` on a folder that
 * user owns. Every `stop()` waits until the process is gone, so a test file that stops what it started in
 * `finally`/`after` leaves nothing running.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';
/** Debian's `nobody`. */
const NOBODY = 65534;

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `pid` no longer exists (polled: the process may not be our child). */
async function gone(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends `signal` to `pid` and waits until it is gone; a process already gone is fine. */
export async function stopPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  await gone(pid);
}

function tempFolder(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface PostgresServer {
  /** postgres://voxwire@127.0.0.1:PORT/voxwire */
  readonly url: string;
  /** The URL of another database on this server (created by `createDatabase`). */
  urlOf(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** Runs one statement as the superuser in `database` (default: postgres); returns its output lines (psql -At). */
  sql(statement: string, database?: string): Promise<string[]>;
  /** Stops the server (fast shutdown) by its pid; `start()` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** A command line run as the PostgreSQL user: `nobody` under root, the current user otherwise. */
async function asPostgresUser(command: string): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const { stdout } = asRoot ? await run('su', ['nobody', '-s', '/bin/sh', '-c', command]) : await run('/bin/sh', ['-c', command]);
  return stdout;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

export async function startPostgres(): Promise<PostgresServer> {
  const folder = tempFolder('voxwire-pg-');
  if (process.getuid?.() === 0) chownSync(folder, NOBODY, NOBODY);
  const data = path.join(folder, 'data');
  const port = await freePort();
  await asPostgresUser(`${POSTGRES_BIN}/initdb -D ${quote(data)} -U voxwire -A trust --no-sync -E UTF8 >/dev/null`);
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let pid: number | undefined;
  async function start(): Promise<void> {
    await asPostgresUser(`${POSTGRES_BIN}/pg_ctl -D ${quote(data)} -o ${quote(options)} -l ${quote(path.join(folder, 'log'))} -w -t 60 start >/dev/null`);
    pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }
  async function stop(): Promise<void> {
    if (pid === undefined) return;
    // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, closes clients, writes a checkpoint).
    await stopPid(pid, 'SIGINT');
    pid = undefined;
  }
  const urlOf = (database: string): string => `postgres://voxwire@127.0.0.1:${port}/${database}`;
  const sql = async (statement: string, database = 'postgres'): Promise<string[]> => {
    const { stdout } = await run(`${POSTGRES_BIN}/psql`, ['-At', '-h', '127.0.0.1', '-p', String(port), '-U', 'voxwire', '-d', database, '-c', statement]);
    return stdout.split('\n').filter((line) => line.length > 0);
  };
  try {
    await start();
    await sql('CREATE DATABASE voxwire');
  } catch (error) {
    await stop();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    url: urlOf('voxwire'),
    urlOf,
    createDatabase: async (name) => void (await sql(`CREATE DATABASE ${name}`)),
    sql,
    stop,
    start,
    async remove() {
      await stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export interface RedisServer {
  readonly url: string;
  /** Stops it by its pid; `start()` brings it back, empty, on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Waits for a line matching `ready` on the child's output; rejects if it exits first. */
function waitForOutput(child: ChildProcess, ready: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (ready.test(text)) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`${what} exited (${code}) before it was ready:\n${text.slice(-2000)}`));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    const next = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = next;
    await waitForOutput(next, /Ready to accept connections/, 'redis-server');
  }
  async function stop(): Promise<void> {
    if (child?.pid === undefined) return;
    const { pid } = child;
    child = undefined;
    await stopPid(pid);
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

export interface NginxServer {
  readonly url: string;
  readonly streamUrl: string;
  stop(): Promise<void>;
}

/**
 * The reverse proxy of the README's operator's guide, in front of `upstreams` (host:port each): WebSocket
 * upgrade headers passed on, long read timeouts for streams, no buffering of streamed audio.
 */
export function nginxConfig(listen: string, upstreams: readonly string[], folder: string): string {
  return `daemon off;
worker_processes 1;
pid ${folder}/nginx.pid;
error_log ${folder}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${folder}/body;
  proxy_temp_path ${folder}/proxy;
  fastcgi_temp_path ${folder}/fastcgi;
  uwsgi_temp_path ${folder}/uwsgi;
  scgi_temp_path ${folder}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream voxwire {
${upstreams.map((upstream) => `    server ${upstream} max_fails=0;`).join('\n')}
  }
  server {
    listen ${listen};
    location / {
      proxy_pass http://voxwire;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
      proxy_buffering off;
    }
  }
}
`;
}

export async function startNginx(upstreams: readonly string[]): Promise<NginxServer> {
  const folder = tempFolder('voxwire-nginx-');
  const port = await freePort();
  const config = path.join(folder, 'nginx.conf');
  writeFileSync(config, nginxConfig(`127.0.0.1:${port}`, upstreams, folder));
  const child = spawn('nginx', ['-p', folder, '-c', config, '-e', path.join(folder, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, streamUrl: `ws://127.0.0.1:${port}/stream`, stop };
}

/** nginx prints nothing when it is up: wait until its port accepts a connection. */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}) before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (attempt > 400) throw new Error('nginx did not listen within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
