/**
 * The engines a voxwire process runs. Each engine registers once here as a plug-in (an id, whether it can run
 * on this machine, how to start it); the server, `voxwire say` and the benchmark all take their engines from
 * this one place, so adding an engine means adding a plug-in, not editing the pipeline or the transport.
 */
import type { EngineDesigner } from './design.js';
import type { Engine, EngineStats, EngineVoiceDefinition } from './engine.js';
import { espeakPlugin } from './espeak/plugin.js';
import { flitePlugin } from './flite/plugin.js';

/** Options every engine understands; an engine may ignore what does not apply to it. */
export interface EngineStartOptions {
  /** Worker threads for engines that run in a pool (default: the number of cores). */
  readonly workers?: number;
}

export interface EnginePlugin {
  /** The engine's id: the same string as its `capabilities.name` and every voice's `engine`. */
  readonly id: string;
  /** Rate of the PCM the engine produces (its capabilities' `sampleRate`), known before it starts. */
  readonly sampleRate: number;
  /**
   * Why the engine cannot run on this machine (a missing library, say), or undefined when it can. Checked
   * before `start`, so an engine that is not installed is left out instead of failing the server.
   */
  unavailable?(): string | undefined;
  start(options: EngineStartOptions): Engine;
  /** The voices the engine ships, in the order the catalogue lists them. */
  readonly voices: readonly EngineVoiceDefinition[];
  /** How the engine turns designed attributes into voices of its own (voice design); absent: it designs none. */
  readonly designer?: EngineDesigner;
}

/** How the synthesis layer finds the engine a voice names. */
export interface EngineLookup {
  engine(id: string): Engine | undefined;
}

export interface EngineRegistry extends EngineLookup {
  /** Ids of the running engines, in registration order. */
  readonly ids: readonly string[];
  /**
   * Adds an engine found after start-up (a neural engine once its first model is installed); it is closed
   * with the others. Its id must be new.
   */
  add(engine: Engine): void;
  /** Engines that were registered but cannot run here, with the reason (for the log). */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  /** Resolves when every engine can serve (rejects when one cannot start). */
  ready(): Promise<void>;
  /** Load of all engines together. */
  stats(): EngineStats;
  /** Load of each engine, by id. */
  statsByEngine(): ReadonlyMap<string, EngineStats>;
  close(): Promise<void>;
}

/**
 * The engines voxwire ships, in the order their voices are listed: a language's first voice is its default, so
 * the clearest engine comes first (flite's CMU voices: a speech recognizer gets 18–24 % of their words wrong,
 * against 60–81 % of espeak-ng's; test/engines/intelligibility.test.ts), and espeak-ng serves every language.
 */
export const BUILT_IN_ENGINES: readonly EnginePlugin[] = [flitePlugin(), espeakPlugin()];

/** Starts every available plug-in. */
export function startEngines(plugins: readonly EnginePlugin[], options: EngineStartOptions = {}): EngineRegistry {
  const skipped: { id: string; reason: string }[] = [];
  const running = new Map<string, Engine>();
  for (const plugin of plugins) {
    const reason = plugin.unavailable?.();
    if (reason !== undefined) {
      skipped.push({ id: plugin.id, reason });
      continue;
    }
    if (running.has(plugin.id)) throw new Error(`Two engines are registered as "${plugin.id}".`);
    running.set(plugin.id, plugin.start(options));
  }
  return registryOf(running, skipped);
}

/** A registry over engines that are already running (tests, or one engine for `voxwire say`). */
export function registryOf(engines: ReadonlyMap<string, Engine> | readonly Engine[], skipped: readonly { id: string; reason: string }[] = []): EngineRegistry {
  const byId = new Map(Array.isArray(engines) ? engines.map((engine) => [engine.capabilities.name, engine]) : (engines as ReadonlyMap<string, Engine>));
  const statsByEngine = (): ReadonlyMap<string, EngineStats> => {
    const result = new Map<string, EngineStats>();
    for (const [id, engine] of byId) {
      const stats = engine.stats?.();
      if (stats !== undefined) result.set(id, stats);
    }
    return result;
  };
  return {
    get ids() {
      return [...byId.keys()];
    },
    skipped,
    engine: (id) => byId.get(id),
    add(engine) {
      const id = engine.capabilities.name;
      if (byId.has(id)) throw new Error(`Two engines are registered as "${id}".`);
      byId.set(id, engine);
    },
    async ready() {
      await Promise.all([...byId.values()].map((engine) => engine.ready()));
    },
    statsByEngine,
    stats() {
      const total = { busy: 0, idle: 0, queued: 0, held: 0 };
      for (const stats of statsByEngine().values()) {
        total.busy += stats.busy;
        total.idle += stats.idle;
        total.queued += stats.queued;
        total.held += stats.held;
      }
      return total;
    },
    async close() {
      await Promise.all([...byId.values()].map((engine) => engine.close()));
    },
  };
}
