/**
 * `npm run bench [-- --quick] [-- --duration S] [-- --workers N] [-- --out DIR] [-- --profile]`
 *
 * Runs issue 6's workloads against voxwire (its own process, loopback WebSockets) and straight on the engine
 * with the same number of workers, in one run; prints a table and writes latest.json and latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AudioFormat } from '../src/audio/formats.js';
import { createEspeakEngine } from '../src/engines/espeak/engine.js';
import { DEFAULT_VOICE } from '../src/voices/catalogue.js';
import { measureIdleSockets } from './memory.js';
import { UNDERRUN_SLACK_MS } from './playback.js';
import { renderMarkdown } from './report.js';
import { compare, maxRealtimeClients, perActiveStream, type BenchResults, type FormatResult, type Machine } from './results.js';
import { runConcurrent, runLongForm, runSequential, type ConcurrencyResult } from './scenarios.js';
import { ServerHandle } from './server-handle.js';
import { engineSpeakers, serverSpeakers, type SpeakerFactory } from './speakers.js';
import { round } from './stats.js';
import { loadWorkloads } from './workloads.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    workers: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});

const MAIN_FORMAT: AudioFormat = { format: 'wav', sampleRate: 22050, precision: 'PCM_16' };
const FORMATS: readonly { label: string; format: AudioFormat; binary: boolean }[] = [
  { label: 'PCM_16 22050 Hz (JSON)', format: MAIN_FORMAT, binary: false },
  { label: 'PCM_16 22050 Hz (binary)', format: MAIN_FORMAT, binary: true },
  { label: 'PCM_16 48000 Hz (JSON)', format: { format: 'wav', sampleRate: 48000, precision: 'PCM_16' }, binary: false },
  { label: 'MULAW 8000 Hz (JSON)', format: { format: 'wav', sampleRate: 8000, precision: 'MULAW' }, binary: false },
  { label: 'MP3 44100 Hz (JSON)', format: { format: 'mp3', sampleRate: 44100, precision: 'PCM_16' }, binary: false },
];
const IDLE_SOCKETS = args.quick ? [0, 5, 20] : [0, 100, 1000];

const workloads = loadWorkloads();
const quick = args.quick ?? false;
const workers = Number(args.workers ?? availableParallelism());
const w1 = quick ? workloads.w1.slice(0, 3) : workloads.w1;
const w3Clients = quick ? [1, 2] : workloads.w3Clients;
const w3Seconds = Number(args.duration ?? (quick ? 1 : workloads.w3Seconds));
// The engine alone reaches its steady state within a second; half the window keeps the run to a few minutes.
const engineW3Seconds = quick ? w3Seconds : Math.max(1, w3Seconds / 2);
const outDir = args.out ?? fileURLToPath(new URL('./results/', import.meta.url));
if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
if (!(w3Seconds > 0)) throw new Error('--duration must be a positive number of seconds');

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function machine(startLoad: readonly number[]): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1) ?? 0,
    loadAverageAtStart: startLoad.map((value) => round(value, 2) ?? 0),
    loadAverageAtEnd: loadavg().map((value) => round(value, 2) ?? 0),
  };
}

/**
 * First requests compile code and tier up wasm (tens of requests before first audio settles); that is a
 * one-off cost, not what a user feels per turn, and both sides get the same warm-up.
 */
async function warmUp(factory: SpeakerFactory, sentences: number = w1.length): Promise<void> {
  await runSequential(factory, workloads.w1.slice(0, sentences));
}

async function runW3(factory: SpeakerFactory, seconds: number, label: string, server?: ServerHandle): Promise<ConcurrencyResult[]> {
  const levels: ConcurrencyResult[] = [];
  for (const clients of w3Clients) {
    const peak = server?.samplePeakRss();
    const level = await runConcurrent(factory, w1, clients, seconds);
    if (peak) level.peakRssMiB = round(peak(), 1) ?? 0;
    log(`${label} W3 N=${clients}: ${level.requests} requests, first audio p50 ${level.firstAudioMs.p50} ms p95 ${level.firstAudioMs.p95} ms, ${level.audioSecondsPerSecond} audio s/s, ${level.errors} errors, ${level.underruns} underruns`);
    levels.push(level);
  }
  return levels;
}

async function benchServer(): Promise<BenchResults['server']> {
  const cpuProfileDir = args.profile ? join(outDir, 'profile') : undefined;
  const connections = Math.max(...IDLE_SOCKETS, ...w3Clients) + 100;
  const server = await ServerHandle.start({ workers, connections, ...(cpuProfileDir ? { cpuProfileDir } : {}) });
  log(`voxwire pid ${server.pid} at ${server.streamUrl}`);
  try {
    const main = serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, format: MAIN_FORMAT, binary: false });
    await warmUp(main);
    for (const entry of FORMATS) await warmUp(serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, ...entry }), 2);
    const idle = await measureIdleSockets(server, IDLE_SOCKETS);
    log(`idle sockets: ${idle.map((entry) => `${entry.sockets} → ${entry.rssMiB} MiB`).join(', ')}`);
    const w1Result = await runSequential(main, w1);
    log(`server W1: first audio p50 ${w1Result.firstAudioMs.p50} ms p95 ${w1Result.firstAudioMs.p95} ms`);
    const w2Result = await runLongForm(main, workloads.w2);
    log(`server W2: first audio ${w2Result.firstAudioMs} ms, total ${w2Result.totalMs} ms`);
    const formats: FormatResult[] = [];
    for (const entry of FORMATS) {
      const factory = serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, format: entry.format, binary: entry.binary });
      formats.push({ label: entry.label, ...(await runSequential(factory, w1)) });
      log(`format ${entry.label}: first audio p50 ${formats.at(-1)!.firstAudioMs.p50} ms`);
    }
    const w3 = await runW3(main, w3Seconds, 'server', server);
    return {
      w1: w1Result,
      w2: w2Result,
      w3,
      formats,
      memory: { idle, perActiveStreamMiB: perActiveStream(idle, w3), peakRssMiB: round(server.memory().hwmMiB, 1) ?? 0 },
      maxRealtimeClients: maxRealtimeClients(w3),
    };
  } finally {
    await server.stop();
  }
}

async function benchEngine(): Promise<BenchResults['engine']> {
  const engine = createEspeakEngine({ workers });
  await engine.ready();
  try {
    const factory = engineSpeakers(engine, DEFAULT_VOICE.spec);
    await warmUp(factory);
    const w1Result = await runSequential(factory, w1);
    log(`engine W1: first audio p50 ${w1Result.firstAudioMs.p50} ms p95 ${w1Result.firstAudioMs.p95} ms`);
    const w2Result = await runLongForm(factory, workloads.w2);
    log(`engine W2: first audio ${w2Result.firstAudioMs} ms, total ${w2Result.totalMs} ms`);
    const w3 = await runW3(factory, engineW3Seconds, 'engine');
    return { w1: w1Result, w2: w2Result, w3, maxRealtimeClients: maxRealtimeClients(w3) };
  } finally {
    await engine.close();
  }
}

const startLoad = loadavg();
const server = await benchServer();
const engine = await benchEngine();
const results: BenchResults = {
  generatedAt: new Date().toISOString(),
  machine: machine(startLoad),
  settings: {
    quick,
    workers,
    w1Sentences: w1.length,
    w3Clients,
    w3Seconds,
    engineW3Seconds,
    underrunSlackMs: UNDERRUN_SLACK_MS,
    mainFormat: `${MAIN_FORMAT.precision} ${MAIN_FORMAT.sampleRate} Hz`,
  },
  server,
  engine,
  comparisons: compare(server, engine),
};
const markdown = renderMarkdown(results);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.md'), markdown);
process.stdout.write(markdown);
log(`wrote ${join(outDir, 'latest.json')} and latest.md`);
