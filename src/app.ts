/**
 * Wires the layers together: engines → pipeline → protocol context → server. The CLI and the tests start
 * voxwire through here, so what the tests exercise is what `voxwire serve` runs.
 */
import pino, { type Logger } from 'pino';
import { BUILT_IN_ENGINES, startEngines, type EnginePlugin, type EngineRegistry } from './engines/registry.js';
import { registerClusterGauges } from './cluster/gauges.js';
import { openSharedLimits, type SharedLimits } from './cluster/shared-limits.js';
import { openPostgresStoreVerifier, openStoreVerifier, type StoreVerifier } from './keys/store-verifier.js';
import { combineVerifiers, staticKeyVerifier, type KeyVerifier } from './keys/verifier.js';
import type { ServerContext } from './server/context.js';
import type { HostLookup } from './server/browser-rules.js';
import { ConnectionLimits } from './server/connection-limits.js';
import { createMetrics } from './server/metrics.js';
import { startServer, type RunningServer, type ServerSettings } from './server/server.js';
import { createPipeline } from './synthesis/pipeline.js';
import { VOICE_DIRECTORY, voiceForLanguage } from './voices/catalogue.js';

export interface VoxwireOptions {
  readonly host?: string;
  readonly port?: number;
  readonly apiKeys?: readonly string[];
  /** Web origins whose pages may call the server (protocol.md section 5), as normalized origins. */
  readonly allowedOrigins?: readonly string[];
  /** How `host` is resolved before a keyless server listens (tests control what a name resolves to). */
  readonly lookup?: HostLookup;
  /** Extra key sources. */
  readonly verifiers?: readonly KeyVerifier[];
  /** Folder of the key store database; without it (and without databaseUrl), no key store is opened. */
  readonly dataDir?: string;
  /** postgres://…: the key store in PostgreSQL, shared by a cluster's nodes (instead of dataDir's file). */
  readonly databaseUrl?: string;
  /** redis://…: connection limits shared by every node on this Redis. */
  readonly redisUrl?: string;
  readonly workers?: number;
  /** Plug-ins that replace the built-in engine of the same id (tests use them for a fault-injecting worker). */
  readonly engineOverrides?: readonly EnginePlugin[];
  readonly perKeyConnections?: number;
  readonly globalConnections?: number;
  readonly shutdownGraceMs?: number;
  readonly heartbeatMs?: number;
  readonly logger?: Logger;
  /** A second port serving only /metrics, /health and /ready (0 = any free port); absent: none. */
  readonly metricsPort?: number;
  /**
   * Listen before the engines are warm, so probes see /ready go from 503 to 200 (requests meanwhile wait in
   * the engine's queue). Without it, startVoxwire resolves only once the engines are warm.
   */
  readonly listenBeforeWarm?: boolean;
}

export interface Voxwire {
  readonly server: RunningServer;
  readonly engines: EngineRegistry;
  readonly url: string;
  /** ws://host:port/stream */
  readonly streamUrl: string;
  /** Base URL of the metrics port, when one was asked for. */
  readonly metricsUrl: string | undefined;
  /** Settles when the engines are warm (rejects if they cannot start). */
  readonly warm: Promise<void>;
  close(): Promise<void>;
}

export async function startVoxwire(options: VoxwireOptions = {}): Promise<Voxwire> {
  const log = options.logger ?? pino({ level: 'silent' });
  const plugins = BUILT_IN_ENGINES.map((plugin) => options.engineOverrides?.find((override) => override.id === plugin.id) ?? plugin);
  const engines = startEngines(plugins, options.workers === undefined ? {} : { workers: options.workers });
  for (const { id, reason } of engines.skipped) log.warn({ engine: id, reason }, 'engine not available on this machine; its voices are not served');
  const warm = engines.ready();
  if (options.listenBeforeWarm !== true) {
    try {
      await warm;
    } catch (error) {
      await engines.close();
      throw error;
    }
  }
  const pipeline = createPipeline(engines, voiceForLanguage);
  const metrics = createMetrics(() => engines.statsByEngine());
  const context: ServerContext = { pipeline, voices: VOICE_DIRECTORY, log, metrics };
  let keyStore: StoreVerifier | undefined;
  let keyProblem: Error | undefined;
  const keyHealth = {
    onHealthChange: (problem: Error | undefined): void => {
      keyProblem = problem;
      if (problem === undefined) log.info('the key database can be read again');
      else log.error({ err: problem }, 'the key database cannot be read; the last keys read stay in use for a few seconds');
    },
  };
  const limitSettings = { perKey: options.perKeyConnections ?? 20, global: options.globalConnections ?? 200 };
  let shared: SharedLimits | undefined;
  try {
    if (options.databaseUrl) keyStore = await openPostgresStoreVerifier(options.databaseUrl, keyHealth);
    else if (options.dataDir !== undefined) keyStore = openStoreVerifier(options.dataDir, keyHealth);
    if (options.redisUrl) shared = await openSharedLimits({ url: options.redisUrl, perKey: limitSettings.perKey, local: new ConnectionLimits(limitSettings), log });
  } catch (error) {
    await keyStore?.close();
    await engines.close();
    throw error;
  }
  registerClusterGauges(metrics.registry, {
    ...(shared === undefined ? {} : { limits: shared }),
    ...(options.databaseUrl ? { databaseUp: () => keyProblem === undefined } : {}),
  });
  /** What this node serves without right now, for /ready's reason. */
  const degraded = (): string | undefined => {
    const notes = [shared?.problem(), keyProblem === undefined ? undefined : `${keyProblem.message}; stored keys are refused with 503 once their last read is a few seconds old`];
    const present = notes.filter((note) => note !== undefined);
    return present.length === 0 ? undefined : present.join('; ');
  };
  const verifier = combineVerifiers([
    staticKeyVerifier(options.apiKeys ?? []),
    ...(keyStore === undefined ? [] : [keyStore]),
    ...(options.verifiers ?? []),
  ]);
  const settings: ServerSettings = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    limits: limitSettings,
    degraded,
    ...(shared === undefined ? {} : { gate: shared }),
    shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    warmUp: warm,
    allowedOrigins: options.allowedOrigins ?? [],
    ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
  };
  let server: RunningServer;
  try {
    server = await startServer(context, verifier, settings);
  } catch (error) {
    await shared?.close();
    await keyStore?.close();
    await engines.close();
    throw error;
  }
  return {
    server,
    engines,
    url: server.url,
    streamUrl: `${server.url.replace(/^http/, 'ws')}/stream`,
    metricsUrl: server.metricsUrl,
    warm,
    async close() {
      await server.close();
      await shared?.close();
      await keyStore?.close();
      await engines.close();
    },
  };
}
