/** The shape of bench/results/latest.json, and the server ÷ engine comparison computed from it. */
import type { AgentStreamResult } from './agent-stream.js';
import type { HostileRow } from './hostile.js';
import type { IdleMemory } from './memory.js';
import type { ConcurrencyResult, SequentialResult } from './scenarios.js';
import { ratio, round } from './stats.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly memoryGiB: number;
  /** 1/5/15-minute load averages: other work on the machine skews every number. */
  readonly loadAverageAtStart: readonly number[];
  readonly loadAverageAtEnd: readonly number[];
}

export interface FormatResult extends SequentialResult {
  readonly label: string;
}

export interface Settings {
  /** `git describe --always --dirty` of the measured tree. */
  readonly revision: string;
  readonly quick: boolean;
  readonly workers: number;
  readonly w1Sentences: number;
  readonly w1Passes: number;
  readonly w2Repeats: number;
  readonly w3Clients: readonly number[];
  readonly w3Seconds: number;
  readonly engineW3Seconds: number;
  /** The paced W3 variant: its levels, its window (the same for server and engine) and think time. */
  readonly w3PacedClients: readonly number[];
  readonly w3PacedSeconds: number;
  readonly thinkMs: number;
  readonly underrunSlackMs: number;
  readonly mainFormat: string;
}

export interface Comparison {
  readonly metric: string;
  readonly server: number | null;
  readonly engine: number | null;
  /** server ÷ engine. */
  readonly ratio: number | null;
  /** Outside the bound: first audio > 1.5× the engine, throughput < 80 % of it. */
  readonly flagged: boolean;
}

/**
 * One built-in engine, voxwire beside the raw engine in the same run: W1 sentence by sentence in turns, then one
 * back-to-back W3 level with the same number of that engine's workers on both sides, in rounds of equal windows
 * taken in turns (voxwire, raw, raw, voxwire, …) so that load from elsewhere weighs on both alike.
 */
export interface EngineComparison {
  readonly engine: string;
  /** The voice both sides speak with (the engine's first en-US voice, female when it has one). */
  readonly voice: string;
  readonly server: EngineSide;
  readonly raw: EngineSide;
}

export interface EngineSide {
  readonly w1: SequentialResult;
  /** The W3 rounds, in the order they ran. */
  readonly w3: readonly ConcurrencyResult[];
}

/** Audio seconds per second over all of a side's W3 rounds (their windows are equal). */
export function meanThroughput(rounds: readonly ConcurrencyResult[]): number | null {
  const measured = rounds.map((round) => round.audioSecondsPerSecond).filter((value): value is number => value !== null);
  return measured.length === 0 ? null : round(measured.reduce((sum, value) => sum + value, 0) / measured.length);
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly machine: Machine;
  readonly settings: Settings;
  readonly server: {
    readonly w1: SequentialResult;
    readonly w2: SequentialResult;
    readonly w3: readonly ConcurrencyResult[];
    readonly w3Paced: readonly ConcurrencyResult[];
    readonly formats: readonly FormatResult[];
    /** The hostile-neighbour row: a victim's first audio beside each bomb family. */
    readonly hostile: readonly HostileRow[];
    /** W4: a token stream spoken as one streamed request and sentence by sentence; cancel to silence. */
    readonly agentStream: AgentStreamResult;
    readonly memory: {
      readonly idle: readonly IdleMemory[];
      /** (peak RSS during the largest W3 level − RSS just before it) ÷ its clients, MiB. */
      readonly perActiveStreamMiB: number | null;
      readonly peakRssMiB: number;
    };
    readonly maxRealtimeClients: number | null;
    readonly maxRealtimeClientsPaced: number | null;
  };
  readonly engine: {
    readonly w1: SequentialResult;
    readonly w2: SequentialResult;
    readonly w3: readonly ConcurrencyResult[];
    readonly w3Paced: readonly ConcurrencyResult[];
    readonly maxRealtimeClients: number | null;
    readonly maxRealtimeClientsPaced: number | null;
  };
  readonly comparisons: readonly Comparison[];
  /** Every built-in engine that runs on this machine, in registration order. */
  readonly engines: readonly EngineComparison[];
}

export const FIRST_AUDIO_BOUND = 1.5;
export const THROUGHPUT_BOUND = 0.8;

export function maxRealtimeClients(levels: readonly ConcurrencyResult[]): number | null {
  let best: number | null = null;
  for (const level of [...levels].sort((a, b) => a.clients - b.clients)) {
    if (!level.realtime) break;
    best = level.clients;
  }
  return best;
}

/**
 * The baseline is taken just before the level, not at start-up: RSS falls by a couple of hundred MiB once
 * start-up garbage is collected, which would otherwise read as negative memory per stream.
 */
export function perActiveStream(w3: readonly ConcurrencyResult[]): number | null {
  const largest = [...w3].sort((a, b) => b.clients - a.clients)[0];
  if (largest?.peakRssMiB === undefined || largest.rssBeforeMiB === undefined) return null;
  return round((largest.peakRssMiB - largest.rssBeforeMiB) / largest.clients, 3);
}

type Measured = { w1: SequentialResult; w2: SequentialResult; w3: readonly ConcurrencyResult[]; w3Paced: readonly ConcurrencyResult[] };

export function compare(server: Measured, engine: Measured): Comparison[] {
  const latency = (metric: string, a: number | null, b: number | null): Comparison => {
    const r = ratio(a, b);
    return { metric, server: a, engine: b, ratio: r, flagged: r !== null && r > FIRST_AUDIO_BOUND };
  };
  const throughput = (metric: string, a: number | null, b: number | null): Comparison => {
    const r = ratio(a, b);
    return { metric, server: a, engine: b, ratio: r, flagged: r !== null && r < THROUGHPUT_BOUND };
  };
  // A real-time factor is time per audio second: throughput below 80 % is a factor above 1 / 0.8.
  const realTimeFactor = (metric: string, a: number | null, b: number | null): Comparison => {
    const r = ratio(a, b);
    return { metric, server: a, engine: b, ratio: r, flagged: r !== null && r > 1 / THROUGHPUT_BOUND };
  };
  const rows: Comparison[] = [
    latency('W1 first audio p50 (ms)', server.w1.firstAudioMs.p50, engine.w1.firstAudioMs.p50),
    latency('W1 first audio p95 (ms)', server.w1.firstAudioMs.p95, engine.w1.firstAudioMs.p95),
    realTimeFactor('W1 real-time factor p50', server.w1.realTimeFactor.p50, engine.w1.realTimeFactor.p50),
    latency('W2 first audio p50 (ms)', server.w2.firstAudioMs.p50, engine.w2.firstAudioMs.p50),
    realTimeFactor('W2 real-time factor p50', server.w2.realTimeFactor.p50, engine.w2.realTimeFactor.p50),
  ];
  const levels = (variant: string, ours: readonly ConcurrencyResult[], theirs: readonly ConcurrencyResult[]): void => {
    for (const level of ours) {
      const peer = theirs.find((entry) => entry.clients === level.clients);
      if (!peer) continue;
      rows.push(latency(`${variant} N=${level.clients} first audio p50 (ms)`, level.firstAudioMs.p50, peer.firstAudioMs.p50));
      rows.push(latency(`${variant} N=${level.clients} first audio p95 (ms)`, level.firstAudioMs.p95, peer.firstAudioMs.p95));
      rows.push(throughput(`${variant} N=${level.clients} audio s per s`, level.audioSecondsPerSecond, peer.audioSecondsPerSecond));
    }
  };
  levels('W3', server.w3, engine.w3);
  levels('W3 paced', server.w3Paced, engine.w3Paced);
  return rows;
}
