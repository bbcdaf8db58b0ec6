/**
 * Soak (issue 7): `npm run soak -- --minutes 10 [--clients 64] [--workers 2]`. Starts voxwire in a child
 * process (this file in its `--serve` role), drives mixed traffic at it from N loopback clients and reports
 * requests, terminal frames (must equal the requests not cancelled by a client close), errors by name, the
 * server's RSS over time (from /proc/PID/status) and its event-loop delay p99 (measured inside the server
 * process, where the delay happens, and printed as JSON lines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { compiled } from './compiled.js';

interface ServerLine {
  readonly streamUrl?: string;
  readonly httpUrl?: string;
  readonly loopDelayP99Ms?: number;
  readonly loopDelayMaxMs?: number;
}

const SAMPLE_MS = 10_000;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number`);
  return value;
}

/** The server role: voxwire as `voxwire serve` runs it, plus an event-loop delay line every sample. */
async function serve(): Promise<void> {
  const { startVoxwire } = await import('../src/app.js');
  const voxwire = await startVoxwire({ port: 0, workers: argument('--workers', 2), globalConnections: 1000, perKeyConnections: 1000 });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const print = (line: ServerLine): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
  print({ streamUrl: voxwire.streamUrl, httpUrl: voxwire.url });
  const timer = setInterval(() => {
    print({ loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6 });
    delay.reset();
  }, SAMPLE_MS);
  const stop = (): void => {
    clearInterval(timer);
    void voxwire.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  // The driver holds our stdin: when it dies, so do we.
  process.stdin.once('end', stop);
  process.stdin.resume();
}

interface Tally {
  requests: number;
  terminals: number;
  /** Requests whose socket the client closed on purpose before their terminal frame. */
  cancelled: number;
  /** Requests that got neither a terminal frame nor a close within their time limit. */
  stuck: number;
  audioEnd: number;
  errors: Record<string, number>;
  httpRequests: number;
  httpStatus: Record<string, number>;
  /** Terminal frames that did not match what was asked (wrong id, wrong error, unexpected success). */
  mismatches: number;
}

const VOICE_TEXTS = ['Hello there.', 'The weather today is mild, with a light breeze from the west.', 'One, two, three, four.', 'Please hold while I connect you.'];

async function drive(): Promise<void> {
  const minutes = argument('--minutes', 10);
  const clients = argument('--clients', 64);
  const workers = argument('--workers', 2);
  const child = spawn(process.execPath, [await compiled('bench/soak.ts'), '--serve', '--workers', String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const delays: number[] = [];
  let maxDelay = 0;
  const urls = await new Promise<{ streamUrl: string; httpUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as ServerLine;
      if (line.streamUrl !== undefined && line.httpUrl !== undefined) resolve({ streamUrl: line.streamUrl, httpUrl: line.httpUrl });
      if (line.loopDelayP99Ms !== undefined) delays.push(line.loopDelayP99Ms);
      if (line.loopDelayMaxMs !== undefined) maxDelay = Math.max(maxDelay, line.loopDelayMaxMs);
    });
  });
  const voice = await firstVoice(urls.httpUrl);
  const tally: Tally = { requests: 0, terminals: 0, cancelled: 0, stuck: 0, audioEnd: 0, errors: {}, httpRequests: 0, httpStatus: {}, mismatches: 0 };
  const rss: { minute: number; mib: number }[] = [];
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const sampleRss = (): void => void rss.push({ minute: (Date.now() - started) / 60_000, mib: readRssMib(child) });
  sampleRss();
  const sampler = setInterval(sampleRss, SAMPLE_MS);
  const progress = setInterval(() => {
    console.error(`${((Date.now() - started) / 60_000).toFixed(1)} min: ${tally.requests} requests, ${tally.terminals} terminals, RSS ${rss.at(-1)?.mib.toFixed(0)} MiB`);
  }, 60_000);
  await Promise.all(Array.from({ length: clients }, (_, index) => runClient(index, urls, voice, deadline, tally)));
  clearInterval(sampler);
  clearInterval(progress);
  sampleRss();
  child.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  report({ minutes, clients, workers, tally, rss, delays, maxDelay, exitCode });
}

async function firstVoice(httpUrl: string): Promise<string> {
  const response = await fetch(`${httpUrl}/api/v2/voices?page_size=1`);
  const body = (await response.json()) as { items: { uuid: string }[] };
  return body.items[0]!.uuid;
}

function readRssMib(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

/** Deterministic per-client randomness, so a soak can be rerun with the same traffic. */
function random(seed: number): () => number {
  let state = seed * 2654435761 + 1;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

type Step = { readonly frame: string; readonly expect: string } | { readonly http: Record<string, unknown> };

/** One request of the mix, with the terminal frame it must get. */
function pickStep(rand: () => number, voice: string, id: number): Step {
  const text = VOICE_TEXTS[Math.floor(rand() * VOICE_TEXTS.length)]!;
  const roll = rand();
  const base = { voice_uuid: voice, request_id: id };
  if (roll < 0.4) return { frame: JSON.stringify({ ...base, data: text, sample_rate: [8000, 16000, 22050, 48000][Math.floor(rand() * 4)], precision: 'PCM_16' }), expect: 'audio_end' };
  if (roll < 0.55) return { frame: JSON.stringify({ ...base, data: text, output_format: 'mp3', sample_rate: 22050 }), expect: 'audio_end' };
  if (roll < 0.65) return { frame: JSON.stringify({ ...base, data: text, binary_response: true, sample_rate: 16000 }), expect: 'audio_end' };
  if (roll < 0.75) return { frame: JSON.stringify({ ...base, data: `<speak><prosody rate="fast">${text}</prosody><break time="100ms"/>Done.</speak>`, sample_rate: 16000 }), expect: 'audio_end' };
  if (roll < 0.8) return { frame: JSON.stringify({ ...base, data: text, sample_rate: 12345 }), expect: 'InvalidRequest' };
  if (roll < 0.84) return { frame: JSON.stringify({ ...base, data: text, voice_uuid: '00000000-0000-0000-0000-000000000000' }), expect: 'VoiceNotFound' };
  if (roll < 0.87) return { frame: '{not json', expect: 'BadJSON' };
  if (roll < 0.9) return { frame: JSON.stringify({ ...base, data: '<speak><unclosed></speak>' }), expect: 'InvalidSSML' };
  return { http: { voice_uuid: voice, data: text, sample_rate: 16000, precision: 'PCM_16' } };
}

async function runClient(index: number, urls: { streamUrl: string; httpUrl: string }, voice: string, deadline: number, tally: Tally): Promise<void> {
  const rand = random(index + 1);
  let id = 0;
  while (Date.now() < deadline) {
    const socket = await open(urls.streamUrl);
    if (socket === undefined) {
      tally.errors['connect_failed'] = (tally.errors['connect_failed'] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    const inbox = new Inbox(socket);
    // A socket lives for a random number of requests, then is closed, sometimes mid-stream.
    const lifetime = 1 + Math.floor(rand() * 30);
    for (let n = 0; n < lifetime && Date.now() < deadline && !inbox.closed; n += 1) {
      id += 1;
      const step = pickStep(rand, voice, id);
      if ('http' in step) {
        await httpRequest(urls.httpUrl, step.http, tally);
        continue;
      }
      tally.requests += 1;
      socket.send(step.frame);
      if (n === lifetime - 1 && rand() < 0.5) {
        // Close mid-stream: the request is cancelled, not answered.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 50)));
        if (inbox.terminals === inbox.seen) tally.cancelled += 1;
        else countTerminal(inbox.takeLast(), step.expect, tally);
        break;
      }
      const frame = await inbox.nextTerminal(60_000);
      if (frame === undefined) tally.stuck += 1;
      else countTerminal(frame, step.expect, tally);
    }
    socket.close();
  }
}

function countTerminal(frame: Record<string, unknown>, expect: string, tally: Tally): void {
  tally.terminals += 1;
  const name = frame['type'] === 'audio_end' ? 'audio_end' : String(frame['error_name']);
  if (name === 'audio_end') tally.audioEnd += 1;
  else tally.errors[name] = (tally.errors[name] ?? 0) + 1;
  if (name !== expect) tally.mismatches += 1;
}

async function httpRequest(httpUrl: string, body: Record<string, unknown>, tally: Tally): Promise<void> {
  tally.httpRequests += 1;
  try {
    const response = await fetch(`${httpUrl}/synthesize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    await response.arrayBuffer();
    tally.httpStatus[response.status] = (tally.httpStatus[response.status] ?? 0) + 1;
  } catch {
    tally.httpStatus['failed'] = (tally.httpStatus['failed'] ?? 0) + 1;
  }
}

function open(url: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

/** Terminal frames of one socket, taken in order. */
class Inbox {
  closed = false;
  seen = 0;
  terminals = 0;
  private readonly frames: Record<string, unknown>[] = [];
  private wake: (() => void) | undefined;

  constructor(socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (frame['type'] !== 'audio_end' && frame['type'] !== 'error') return;
      this.frames.push(frame);
      this.seen += 1;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  takeLast(): Record<string, unknown> {
    this.terminals = this.seen;
    return this.frames.shift()!;
  }

  async nextTerminal(timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const frame = this.frames.shift();
    if (frame !== undefined) this.terminals += 1;
    return frame;
  }
}

function report(result: { minutes: number; clients: number; workers: number; tally: Tally; rss: { minute: number; mib: number }[]; delays: number[]; maxDelay: number; exitCode: number | null }): void {
  const { tally, rss, delays } = result;
  const answered = tally.requests - tally.cancelled - tally.stuck;
  const sorted = [...delays].sort((a, b) => a - b);
  const third = Math.max(1, Math.floor(rss.length / 3));
  const mean = (values: { mib: number }[]): number => values.reduce((sum, value) => sum + value.mib, 0) / values.length;
  const lines = [
    `soak: ${result.minutes} min, ${result.clients} clients, ${result.workers} workers, loopback`,
    `WebSocket requests: ${tally.requests} (cancelled by a client close: ${tally.cancelled}, stuck: ${tally.stuck})`,
    `terminal frames: ${tally.terminals} (must equal requests − cancelled = ${answered}: ${tally.terminals === answered ? 'equal' : 'NOT EQUAL'})`,
    `audio_end: ${tally.audioEnd}; errors by name: ${JSON.stringify(tally.errors)}; terminals other than expected: ${tally.mismatches}`,
    `HTTP /synthesize: ${tally.httpRequests} requests, by status ${JSON.stringify(tally.httpStatus)}`,
    `server RSS: start ${rss[0]!.mib.toFixed(0)} MiB, end ${rss.at(-1)!.mib.toFixed(0)} MiB, max ${Math.max(...rss.map((s) => s.mib)).toFixed(0)} MiB; mean of first third ${mean(rss.slice(0, third)).toFixed(0)} MiB, last third ${mean(rss.slice(-third)).toFixed(0)} MiB`,
    `server event-loop delay p99 per ${SAMPLE_MS / 1000} s window: median ${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} ms, worst ${(sorted.at(-1) ?? NaN).toFixed(1)} ms; max single delay ${result.maxDelay.toFixed(1)} ms`,
    `event-loop delay p99 by window (ms): ${delays.map((value) => value.toFixed(0)).join(' ')}`,
    `RSS by sample (MiB): ${rss.map((sample) => sample.mib.toFixed(0)).join(' ')}`,
    `server exit code after SIGTERM: ${result.exitCode}`,
  ];
  console.log(lines.join('\n'));
  if (tally.terminals !== answered || tally.stuck > 0 || tally.mismatches > 0 || result.exitCode !== 0) process.exitCode = 1;
}

// Last, so that every class above is initialised before either role runs.
if (process.argv.includes('--serve')) await serve();
else await drive();
