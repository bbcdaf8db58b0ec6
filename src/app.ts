/**
 * Wires the layers together: engines → pipeline → protocol context → server. The CLI and the tests start
 * voxwire through here, so what the tests exercise is what `voxwire serve` runs.
 */
import pino, { type Logger } from 'pino';
import { BUILT_IN_ENGINES, startEngines, type EnginePlugin, type EngineRegistry } from './engines/registry.js';
import { openStoreVerifier, type StoreVerifier } from './keys/store-verifier.js';
import { combineVerifiers, staticKeyVerifier, type KeyVerifier } from './keys/verifier.js';
import type { ServerContext } from './server/context.js';
import type { HostLookup } from './server/browser-rules.js';
import { createMetrics } from './server/metrics.js';
import { startServer, type RunningServer, type ServerSettings } from './server/server.js';
import { createPipeline } from './synthesis/pipeline.js';
import { VoiceCatalogue } from './voices/catalogue.js';
import { ModelVoices, type RescanReport } from './voices/models.js';
import type { NeuralEngineOptions } from './engines/onnx/voices.js';

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
  /**
   * Folder of the key store database and of the voice models (`voices/piper`, `voices/kokoro`); without it,
   * no key store is opened and no model is served.
   */
  readonly dataDir?: string;
  /** Workers, threads and idle unloading of the neural engines (Piper, Kokoro). */
  readonly neural?: NeuralEngineOptions;
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
  /** The voices this server serves; sources added at run time (library, models) appear in every endpoint at once. */
  readonly voices: VoiceCatalogue;
  readonly url: string;
  /** ws://host:port/stream */
  readonly streamUrl: string;
  /** Base URL of the metrics port, when one was asked for. */
  readonly metricsUrl: string | undefined;
  /** Settles when the engines are warm and the installed models are listed (rejects if an engine cannot start). */
  readonly warm: Promise<void>;
  /** Scans the data folder for voice models again: what `voxwire voices rescan`, SIGHUP and `pull` trigger. */
  rescanVoices(): Promise<RescanReport>;
  close(): Promise<void>;
}

export async function startVoxwire(options: VoxwireOptions = {}): Promise<Voxwire> {
  const log = options.logger ?? pino({ level: 'silent' });
  const plugins = BUILT_IN_ENGINES.map((plugin) => options.engineOverrides?.find((override) => override.id === plugin.id) ?? plugin);
  const engines = startEngines(plugins, options.workers === undefined ? {} : { workers: options.workers });
  for (const { id, reason } of engines.skipped) log.warn({ engine: id, reason }, 'engine not available on this machine; its voices are not served');
  const voices = new VoiceCatalogue();
  const models = options.dataDir === undefined ? undefined : new ModelVoices({ dataDir: options.dataDir, engines, catalogue: voices, log, ...(options.neural === undefined ? {} : { engineOptions: options.neural }) });
  const rescanVoices = async (): Promise<RescanReport> => models?.rescan() ?? { voices: 0, added: [], removed: [], errors: [] };
  // A model that cannot be used is logged and skipped by the scan; only a built-in engine's failure stops the start.
  const firstScan = rescanVoices().catch((error: unknown) => log.error({ err: error, dataDir: options.dataDir }, 'the voice models could not be scanned'));
  const warm = Promise.all([engines.ready(), firstScan]).then(() => undefined);
  if (options.listenBeforeWarm !== true) {
    try {
      await warm;
    } catch (error) {
      await models?.close();
      await engines.close();
      throw error;
    }
  }
  const pipeline = createPipeline(engines, (language, gender, engine) => voices.forLanguage(language, gender, engine));
  const metrics = createMetrics(() => engines.statsByEngine());
  const context: ServerContext = { pipeline, voices, log, metrics, rescanVoices };
  let keyStore: StoreVerifier | undefined;
  try {
    keyStore =
      options.dataDir === undefined
        ? undefined
        : openStoreVerifier(options.dataDir, {
            onHealthChange: (problem) =>
              problem === undefined ? log.info('the key database can be read again') : log.error({ err: problem }, 'the key database cannot be read; the last keys read stay in use for a few seconds'),
          });
  } catch (error) {
    await models?.close();
    await engines.close();
    throw error;
  }
  const verifier = combineVerifiers([
    staticKeyVerifier(options.apiKeys ?? []),
    ...(keyStore === undefined ? [] : [keyStore]),
    ...(options.verifiers ?? []),
  ]);
  const settings: ServerSettings = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    limits: { perKey: options.perKeyConnections ?? 20, global: options.globalConnections ?? 200 },
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
    keyStore?.close();
    await models?.close();
    await engines.close();
    throw error;
  }
  return {
    server,
    engines,
    voices,
    url: server.url,
    streamUrl: `${server.url.replace(/^http/, 'ws')}/stream`,
    metricsUrl: server.metricsUrl,
    warm,
    rescanVoices,
    async close() {
      await server.close();
      keyStore?.close();
      await models?.close();
      await engines.close();
    },
  };
}
