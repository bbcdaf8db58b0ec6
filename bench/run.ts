/**
 * `npm run bench [-- --quick] [-- --duration S] [-- --paced-duration S] [-- --think MS] [-- --clients 1,8]
 *   [-- --paced-clients 256,384] [-- --workers N] [-- --out DIR] [-- --profile] [-- --readme]
 *   [-- --hostile-rounds N] [-- --hostile-only] [-- --engines-only] [-- --agent-rounds N] [-- --agent-only]`
 *
 * `--hostile-only` runs just the hostile-neighbour row (rounds per bomb family: --hostile-rounds, default 5)
 * and prints it, writing nothing; `--engines-only` likewise runs just the every-engine table, and
 * `--agent-only` the W4 voice-agent row (--agent-rounds, default 10).
 *
 * Runs issue 6's workloads against voxwire (its own process, loopback WebSockets) and straight on the engine
 * with the same number of workers, in one run; prints a table and writes latest.json and latest.md. A full
 * run of every level into bench/results (or any run given --readme) also rewrites the README's benchmark section.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AudioFormat } from '../src/audio/formats.js';
import { createEspeakEngine } from '../src/engines/espeak/engine.js';
import { BUILT_IN_ENGINES } from '../src/engines/registry.js';
import { listVoices, voiceForLanguage } from '../src/voices/catalogue.js';

/**
 * The benchmark compares the server with the raw espeak-ng engine, so it speaks with espeak-ng's default
 * en-US voice (the catalogue's default is now flite's); the figures stay comparable with earlier runs.
 */
const DEFAULT_VOICE = voiceForLanguage('en-US', 'female', 'espeak-ng')!;
import { runAgentStream, type AgentStreamResult } from './agent-stream.js';
import { runHostile } from './hostile.js';
import { measureIdleSockets } from './memory.js';
import { UNDERRUN_SLACK_MS } from './playback.js';
import { updateReadme } from './readme.js';
import { agentStreamSection, enginesSection, hostileSection, renderMarkdown } from './report.js';
import { compare, maxRealtimeClients, perActiveStream, type BenchResults, type EngineComparison, type FormatResult, type Machine } from './results.js';
import { runConcurrent, runSequential, type ConcurrencyResult, type Pacing, type SequentialResult } from './scenarios.js';
import { engineCpuMeter, serverCpuMeter, type CpuMeter } from './cpu.js';
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
    readme: { type: 'boolean', default: false },
    clients: { type: 'string' },
    'paced-clients': { type: 'string' },
    'paced-duration': { type: 'string' },
    think: { type: 'string' },
    'hostile-rounds': { type: 'string' },
    'hostile-only': { type: 'boolean', default: false },
    'engines-only': { type: 'boolean', default: false },
    'agent-rounds': { type: 'string' },
    'agent-only': { type: 'boolean', default: false },
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
/** W1 is run this many times over (each pass: the 20 sentences in order), W2 this many times, for stabler p95s. */
const W1_PASSES = args.quick ? 1 : 3;
const W2_REPEATS = args.quick ? 1 : 5;
const WARM_UP_PASSES = 2;

const workloads = loadWorkloads();
const quick = args.quick ?? false;
const workers = Number(args.workers ?? availableParallelism());
const w1 = quick ? workloads.w1.slice(0, 3) : workloads.w1;
const w3Clients = clientList(args.clients, quick ? [1, 2] : workloads.w3Clients, '--clients');
/** Paced agents fit far more per core than back-to-back clients, so the paced levels go further. */
const w3PacedClients = clientList(args['paced-clients'], quick ? [1, 2] : [...workloads.w3Clients, 384, 512], '--paced-clients');
const w3Seconds = Number(args.duration ?? (quick ? 1 : workloads.w3Seconds));
// The engine alone reaches its steady state within a second; half the window keeps the run to a few minutes.
const engineW3Seconds = quick ? w3Seconds : Math.max(1, w3Seconds / 2);
/**
 * A paced client takes a turn every few seconds, so the window must hold a few turns; pacing is wall time,
 * so the engine needs the same window. 10 s (about three turns) keeps the whole run near six minutes.
 */
const w3PacedSeconds = Number(args['paced-duration'] ?? (quick ? 1 : 10));
const thinkMs = Number(args.think ?? 200);
/**
 * The W3 level at which every engine's throughput is compared: enough clients to keep each of `workers`
 * workers busy with a queue behind it, as the main table's N=8 does for espeak-ng.
 */
const ENGINE_W3_CLIENTS = quick ? 2 : 8;
/**
 * Rounds of the per-engine W3 level on each side, and each round's window: short windows taken in turns follow
 * the load of a shared machine more closely than two long ones (both sides get 20 s in all).
 */
const ENGINE_W3_ROUNDS = quick ? 1 : 4;
const ENGINE_W3_ROUND_SECONDS = quick ? w3Seconds : 5;
const hostileRounds = Number(args['hostile-rounds'] ?? (quick ? 1 : 5));
const agentRounds = Number(args['agent-rounds'] ?? (quick ? 1 : 10));
const outDir = args.out ?? fileURLToPath(new URL('./results/', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
/** Only a run of every level into the committed results speaks for the README, unless told otherwise. */
const writeReadme = args.readme || (!quick && args.out === undefined && args.clients === undefined && args['paced-clients'] === undefined);
if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
if (!(w3Seconds > 0)) throw new Error('--duration must be a positive number of seconds');
if (!(w3PacedSeconds > 0)) throw new Error('--paced-duration must be a positive number of seconds');
if (!(thinkMs >= 0)) throw new Error('--think must be a number of milliseconds');
if (!Number.isInteger(hostileRounds) || hostileRounds < 1) throw new Error('--hostile-rounds must be a positive integer');
if (!Number.isInteger(agentRounds) || agentRounds < 1) throw new Error('--agent-rounds must be a positive integer');

/** A comma-separated list of client counts; an empty one skips that W3 variant (e.g. to profile one level). */
function clientList(value: string | undefined, fallback: readonly number[], flag: string): readonly number[] {
  if (value === undefined) return fallback;
  const levels = value.split(',').filter((part) => part.trim() !== '').map(Number);
  if (!levels.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`${flag} takes client counts separated by commas`);
  return levels;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The commit measured, `-dirty` when the working tree differs from it; 'unknown' outside a git checkout. */
function revision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
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
 * one-off cost, not what a user feels per turn, and every target gets the same warm-up.
 */
async function warmUp(factories: readonly SpeakerFactory[], sentences: number = w1.length): Promise<void> {
  await runSequential(factories, workloads.w1.slice(0, sentences), WARM_UP_PASSES);
}

/** One W3 level against one target, with the CPU it cost and, for the server, its memory. */
async function concurrencyLevel(
  factory: SpeakerFactory,
  clients: number,
  seconds: number,
  meter: CpuMeter,
  server?: ServerHandle,
  pacing?: Pacing,
): Promise<ConcurrencyResult> {
  const rssBeforeMiB = server?.memory().rssMiB;
  const peak = server?.samplePeakRss();
  const cpu = meter();
  const level = await runConcurrent(factory, w1, clients, seconds, pacing);
  const used = cpu();
  const audio = (level.audioSecondsPerSecond ?? 0) * seconds;
  level.cpuPerAudioSecond = Object.fromEntries(Object.entries(used).map(([part, cpuSeconds]) => [part, round(audio > 0 ? cpuSeconds / audio : NaN, 4) ?? 0]));
  if (peak && rssBeforeMiB !== undefined) {
    level.peakRssMiB = round(peak(), 1) ?? 0;
    level.rssBeforeMiB = round(rssBeforeMiB, 1) ?? 0;
  }
  return level;
}

function describe(label: string, level: ConcurrencyResult): void {
  log(
    `${label} W3${level.thinkMs === undefined ? '' : ' paced'} N=${level.clients}: ${level.requests} requests, first audio p50 ${level.firstAudioMs.p50} ms p95 ${level.firstAudioMs.p95} ms, ` +
      `${level.audioSecondsPerSecond} audio s/s, ${level.errors} errors, ${level.underruns} underruns, CPU s per audio s ${JSON.stringify(level.cpuPerAudioSecond)}`,
  );
}

/**
 * Both targets live for the whole run and are measured in turn (W1/W2 text by text, W3 level by level), so
 * that other work on the machine weighs on both. The server runs in its own process; the engine here.
 */
async function benchBoth(): Promise<{ server: BenchResults['server']; engine: BenchResults['engine']; engines: BenchResults['engines'] }> {
  // Profiles are large and per run: they go to a temporary folder, never into the committed results.
  const cpuProfileDir = args.profile ? mkdtempSync(join(tmpdir(), 'voxwire-profile-')) : undefined;
  if (cpuProfileDir) log(`server CPU profiles will be written to ${cpuProfileDir} (summarize: tsx bench/profile-summary.ts FILE)`);
  const connections = Math.max(...IDLE_SOCKETS, ...w3Clients, ...w3PacedClients) + 100;
  const server = await ServerHandle.start({ workers, connections, ...(cpuProfileDir ? { cpuProfileDir } : {}) });
  log(`voxwire pid ${server.pid} at ${server.streamUrl}`);
  const engine = createEspeakEngine({ workers });
  try {
    await engine.ready();
    const onEngine = engineSpeakers(engine, DEFAULT_VOICE.spec);
    const target = (entry: { format: AudioFormat; binary: boolean }): SpeakerFactory =>
      serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, ...entry });
    const onServer = target({ format: MAIN_FORMAT, binary: false });
    await warmUp([onServer, onEngine]);
    for (const entry of FORMATS) await warmUp([target(entry)], 2);

    const idle = await measureIdleSockets(server, IDLE_SOCKETS);
    log(`idle sockets: ${idle.map((entry) => `${entry.sockets} → ${entry.rssMiB} MiB`).join(', ')}`);
    const [serverW1, engineW1] = (await runSequential([onServer, onEngine], w1, W1_PASSES)) as [SequentialResult, SequentialResult];
    log(`W1 first audio p50/p95: server ${serverW1.firstAudioMs.p50}/${serverW1.firstAudioMs.p95} ms, engine ${engineW1.firstAudioMs.p50}/${engineW1.firstAudioMs.p95} ms`);
    const [serverW2, engineW2] = (await runSequential([onServer, onEngine], [workloads.w2], W2_REPEATS)) as [SequentialResult, SequentialResult];
    log(`W2 first audio p50: server ${serverW2.firstAudioMs.p50} ms, engine ${engineW2.firstAudioMs.p50} ms; total p50 ${serverW2.totalMs.p50} / ${engineW2.totalMs.p50} ms`);
    const formats: FormatResult[] = [];
    for (const entry of FORMATS) {
      const [result] = (await runSequential([target(entry)], w1, W1_PASSES)) as [SequentialResult];
      formats.push({ label: entry.label, ...result });
      log(`format ${entry.label}: first audio p50 ${result.firstAudioMs.p50} ms`);
    }
    const hostile = await hostileRows(server, onServer);
    const agentStream = await agentStreamRow(server);
    const serverW3: ConcurrencyResult[] = [];
    const engineW3: ConcurrencyResult[] = [];
    for (const clients of w3Clients) {
      serverW3.push(await concurrencyLevel(onServer, clients, w3Seconds, serverCpuMeter(server.pid), server));
      describe('server', serverW3.at(-1)!);
      engineW3.push(await concurrencyLevel(onEngine, clients, engineW3Seconds, engineCpuMeter));
      describe('engine', engineW3.at(-1)!);
    }
    const meanTurnMs = (serverW1.audioSeconds / Math.max(1, serverW1.requests - serverW1.errors)) * 1000 + thinkMs;
    // Capped at half the window so that every client gets to ask within it, however short the window.
    const pacing: Pacing = { thinkMs, staggerMs: Math.min(meanTurnMs, (w3PacedSeconds * 1000) / 2) };
    const serverPaced: ConcurrencyResult[] = [];
    const enginePaced: ConcurrencyResult[] = [];
    for (const clients of w3PacedClients) {
      serverPaced.push(await concurrencyLevel(onServer, clients, w3PacedSeconds, serverCpuMeter(server.pid), server, pacing));
      describe('server', serverPaced.at(-1)!);
      enginePaced.push(await concurrencyLevel(onEngine, clients, w3PacedSeconds, engineCpuMeter, undefined, pacing));
      describe('engine', enginePaced.at(-1)!);
    }
    // The espeak-ng engine of the tables above is idle from here on; the per-engine runs start their own.
    const engines = await benchEngines(server);
    return {
      engines,
      server: {
        w1: serverW1,
        w2: serverW2,
        w3: serverW3,
        w3Paced: serverPaced,
        formats,
        hostile,
        agentStream,
        memory: { idle, perActiveStreamMiB: perActiveStream(serverW3), peakRssMiB: round(server.memory().hwmMiB, 1) ?? 0 },
        maxRealtimeClients: maxRealtimeClients(serverW3),
        maxRealtimeClientsPaced: maxRealtimeClients(serverPaced),
      },
      engine: {
        w1: engineW1,
        w2: engineW2,
        w3: engineW3,
        w3Paced: enginePaced,
        maxRealtimeClients: maxRealtimeClients(engineW3),
        maxRealtimeClientsPaced: maxRealtimeClients(enginePaced),
      },
    };
  } finally {
    await engine.close();
    await server.stop();
  }
}

/**
 * Every built-in engine that runs here, one after the other: the raw engine starts with `workers` workers
 * (the server runs as many of each engine), and both speak the engine's en-US voice. W1 takes turns sentence
 * by sentence, W3 level after level, so other work on the machine weighs on both sides.
 */
async function benchEngines(server: ServerHandle): Promise<EngineComparison[]> {
  const rows: EngineComparison[] = [];
  for (const plugin of BUILT_IN_ENGINES) {
    const reason = plugin.unavailable?.();
    if (reason !== undefined) {
      log(`engine ${plugin.id} skipped: ${reason}`);
      continue;
    }
    const voice = voiceForLanguage('en-US', 'female', plugin.id) ?? listVoices().find((candidate) => candidate.engine === plugin.id);
    if (voice === undefined) continue;
    const engine = plugin.start({ workers });
    try {
      await engine.ready();
      const onEngine = engineSpeakers(engine, voice.spec);
      const onServer = serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: voice.uuid, format: MAIN_FORMAT, binary: false });
      await warmUp([onServer, onEngine]);
      const [serverW1, rawW1] = (await runSequential([onServer, onEngine], w1, W1_PASSES)) as [SequentialResult, SequentialResult];
      const serverW3: ConcurrencyResult[] = [];
      const rawW3: ConcurrencyResult[] = [];
      const serverRound = async (): Promise<void> => {
        serverW3.push(await concurrencyLevel(onServer, ENGINE_W3_CLIENTS, ENGINE_W3_ROUND_SECONDS, serverCpuMeter(server.pid), server));
      };
      const rawRound = async (): Promise<void> => {
        rawW3.push(await concurrencyLevel(onEngine, ENGINE_W3_CLIENTS, ENGINE_W3_ROUND_SECONDS, engineCpuMeter));
      };
      for (let round = 0; round < ENGINE_W3_ROUNDS; round += 1) {
        // voxwire, raw, raw, voxwire, …: neither side always goes first.
        for (const run of round % 2 === 0 ? [serverRound, rawRound] : [rawRound, serverRound]) await run();
      }
      log(
        `engine ${plugin.id} (${voice.name}): W1 first audio p50/p95 server ${serverW1.firstAudioMs.p50}/${serverW1.firstAudioMs.p95} ms, raw ${rawW1.firstAudioMs.p50}/${rawW1.firstAudioMs.p95} ms; ` +
          `W3 N=${ENGINE_W3_CLIENTS} ${serverW3.map((level) => level.audioSecondsPerSecond).join(', ')} / ${rawW3.map((level) => level.audioSecondsPerSecond).join(', ')} audio s/s`,
      );
      rows.push({ engine: plugin.id, voice: voice.name, server: { w1: serverW1, w3: serverW3 }, raw: { w1: rawW1, w3: rawW3 } });
    } finally {
      await engine.close();
    }
  }
  return rows;
}

async function hostileRows(server: ServerHandle, victim: SpeakerFactory): Promise<Awaited<ReturnType<typeof runHostile>>> {
  const rows = await runHostile(server.streamUrl, DEFAULT_VOICE.uuid, victim, w1, hostileRounds);
  for (const row of rows) {
    log(`hostile ${row.family}: victim first audio p50/p95 alone ${row.unloadedMs.p50}/${row.unloadedMs.p95} ms, attacked ${row.attackedMs.p50}/${row.attackedMs.p95} ms; bombs served ${row.bombsServed}, refused ${row.bombsRefused}`);
  }
  return rows;
}

async function agentStreamRow(server: ServerHandle): Promise<AgentStreamResult> {
  const row = await runAgentStream(server.streamUrl, DEFAULT_VOICE.uuid, workloads.w2, agentRounds);
  log(
    `W4 first audio from the first token p50/p95: streamed ${row.streamedFirstAudioMs.p50}/${row.streamedFirstAudioMs.p95} ms, ` +
      `sentence by sentence ${row.sentencesFirstAudioMs.p50}/${row.sentencesFirstAudioMs.p95} ms; cancel to silence ${row.cancelToSilenceMs.p50}/${row.cancelToSilenceMs.p95} ms; ${row.errors} errors`,
  );
  return row;
}

/** Only the W4 voice-agent row, on a server of its own (warmed up like the full run's). */
async function agentOnly(): Promise<void> {
  const server = await ServerHandle.start({ workers, connections: 100 });
  try {
    await warmUp([serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, format: MAIN_FORMAT, binary: false })]);
    process.stdout.write(`${agentStreamSection(await agentStreamRow(server))}\n`);
  } finally {
    await server.stop();
  }
}

/** Only the hostile-neighbour row, on a server of its own (warmed up like the full run's). */
async function hostileOnly(): Promise<void> {
  const server = await ServerHandle.start({ workers, connections: 100 });
  try {
    const victim = serverSpeakers({ streamUrl: server.streamUrl, voiceUuid: DEFAULT_VOICE.uuid, format: MAIN_FORMAT, binary: false });
    await warmUp([victim]);
    process.stdout.write(`${hostileSection(await hostileRows(server, victim))}\n`);
  } finally {
    await server.stop();
  }
}

/** Only the per-engine table, on a server of its own. */
async function enginesOnly(): Promise<void> {
  const server = await ServerHandle.start({ workers, connections: ENGINE_W3_CLIENTS + 100 });
  try {
    process.stdout.write(`${enginesSection(await benchEngines(server), w1.length, W1_PASSES)}\n`);
  } finally {
    await server.stop();
  }
}

if (args['hostile-only']) {
  await hostileOnly();
  process.exit(0);
}
if (args['engines-only']) {
  await enginesOnly();
  process.exit(0);
}
if (args['agent-only']) {
  await agentOnly();
  process.exit(0);
}

const startLoad = loadavg();
const { server, engine, engines } = await benchBoth();
const results: BenchResults = {
  generatedAt: new Date().toISOString(),
  machine: machine(startLoad),
  settings: {
    revision: revision(),
    quick,
    workers,
    w1Sentences: w1.length,
    w1Passes: W1_PASSES,
    w2Repeats: W2_REPEATS,
    w3Clients,
    w3Seconds,
    engineW3Seconds,
    w3PacedClients,
    w3PacedSeconds,
    thinkMs,
    underrunSlackMs: UNDERRUN_SLACK_MS,
    mainFormat: `${MAIN_FORMAT.precision} ${MAIN_FORMAT.sampleRate} Hz`,
  },
  server,
  engine,
  comparisons: compare(server, engine),
  engines,
};
const markdown = renderMarkdown(results);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.md'), markdown);
process.stdout.write(markdown);
log(`wrote ${join(outDir, 'latest.json')} and latest.md`);
if (writeReadme) {
  updateReadme(README, markdown);
  log(`rewrote the benchmark section of ${README}`);
}
