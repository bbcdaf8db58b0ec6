/**
 * Wires the layers together: engines → pipeline → protocol context → server. The CLI and the tests start
 * voxwire through here, so what the tests exercise is what `voxwire serve` runs.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { BUILT_IN_ENGINES, startEngines, type EnginePlugin, type EngineRegistry } from './engines/registry.js';
import { registerClusterGauges } from './cluster/gauges.js';
import { openSharedLimits, type SharedLimits } from './cluster/shared-limits.js';
import { openPostgresStoreVerifier, openStoreVerifier, type StoreVerifier } from './keys/store-verifier.js';
import { openAiVoiceTable, type OpenAiVoiceTable } from './protocol/openai-voices.js';
import { warmStreamEncoders } from './audio/stream-encoder.js';
import { combineVerifiers, staticKeyVerifier, type KeyVerifier } from './keys/verifier.js';
import type { ServerContext } from './server/context.js';
import { Places } from './server/connection-limits.js';
import { DEFAULT_MAX_AAC_STREAMS } from './server/http/openai-speech.js';
import type { HostLookup } from './server/browser-rules.js';
import { ConnectionLimits } from './server/connection-limits.js';
import { createMetrics } from './server/metrics.js';
import { startServer, type RunningServer, type ServerSettings } from './server/server.js';
import { createPipeline } from './synthesis/pipeline.js';
import { VoiceCatalogue } from './voices/catalogue.js';
import { DESIGN_FOLDER, VoiceLibrary } from './library/library.js';
import { openPostgresLibrary } from './library/postgres-store.js';
import { openSqliteLibrary } from './library/sqlite-store.js';
import type { VoiceLibraryStore } from './library/store.js';
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
   * Folder of the key store, the voice library (with the design samples) and the voice models
   * (`voices/piper`, `voices/kokoro`); without it (and without databaseUrl), no key store is opened, no model is
   * served and the library lives in memory (samples in a temporary folder) for the server's lifetime.
   */
  readonly dataDir?: string;
  /** postgres://…: the key store and the voice library (designs and samples too) in PostgreSQL, shared by a cluster's nodes. */
  readonly databaseUrl?: string;
  /** redis://…: connection limits shared by every node on this Redis. */
  readonly redisUrl?: string;
  /** Where the voice library is kept instead of the data folder's SQLite file (a shared database, say). */
  readonly libraryStore?: VoiceLibraryStore;
  /** Workers, threads and idle unloading of the neural engines (Piper, Kokoro). */
  readonly neural?: NeuralEngineOptions;
  readonly workers?: number;
  /** Plug-ins that replace the built-in engine of the same id (tests use them for a fault-injecting worker). */
  readonly engineOverrides?: readonly EnginePlugin[];
  readonly perKeyConnections?: number;
  readonly globalConnections?: number;
  readonly shutdownGraceMs?: number;
  readonly heartbeatMs?: number;
  /** How long a streamed request waits for text before it ends (protocol.md section 7: 30 s). */
  readonly textStreamIdleMs?: number;
  /** `name=voice` entries over the default table of OpenAI's voice names (src/protocol/openai-voices.ts). */
  readonly openAiVoices?: readonly string[];
  /** AAC streams of /v1/audio/speech open at once (default 16; each runs its encoder in a thread). */
  readonly maxAacStreams?: number;
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
  readonly library: VoiceLibrary;
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
  const voices = new VoiceCatalogue();
  const plugins = BUILT_IN_ENGINES.map((plugin) => options.engineOverrides?.find((override) => override.id === plugin.id) ?? plugin);
  const engines = startEngines(plugins, options.workers === undefined ? {} : { workers: options.workers });
  for (const { id, reason } of engines.skipped) log.warn({ engine: id, reason }, 'engine not available on this machine; its voices are not served');
  const models = options.dataDir === undefined ? undefined : new ModelVoices({ dataDir: options.dataDir, engines, catalogue: voices, log, ...(options.neural === undefined ? {} : { engineOptions: options.neural }) });
  const rescanVoices = async (): Promise<RescanReport> => models?.rescan() ?? { voices: 0, added: [], removed: [], errors: [] };
  // A model that cannot be used is logged and skipped by the scan; only a built-in engine's failure stops the start.
  const firstScan = rescanVoices().catch((error: unknown) => log.error({ err: error, dataDir: options.dataDir }, 'the voice models could not be scanned'));
  // The codecs of /v1/audio/speech load with the engines, so no first request of a format waits for its library.
  const warm = Promise.all([engines.ready(), warmStreamEncoders(), firstScan]).then(() => undefined);
  // Awaited below, or by the server's readiness; a start that fails before either must not leave it unhandled
  // (closing the engines rejects it, which would end the process before the real error is told).
  warm.catch(() => undefined);
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
  let keyStore: StoreVerifier | undefined;
  let library: VoiceLibrary | undefined;
  let openAiVoices: OpenAiVoiceTable;
  const samples = sampleFolder(options.dataDir, log);
  const dropScratch = samples.remove;
  try {
    library = await VoiceLibrary.open({
      store: options.libraryStore ?? (options.databaseUrl ? await openPostgresLibrary(options.databaseUrl) : openSqliteLibrary(options.dataDir, (problem) => log.warn(`cannot write ${problem}`))),
      catalogue: voices,
      pipeline,
      plugins: plugins.filter((plugin) => engines.ids.includes(plugin.id)),
      samplesDir: samples.folder,
    });
    // The operator's OpenAI names may point at library or model voices: checked once those are listed.
    if ((options.openAiVoices ?? []).length > 0) await firstScan;
    openAiVoices = openAiVoiceTable(options.openAiVoices ?? [], voices);
  } catch (error) {
    await library?.close();
    dropScratch();
    await models?.close();
    await engines.close();
    throw error;
  }
  const openAi = { voices: openAiVoices, aacStreams: new Places(options.maxAacStreams ?? DEFAULT_MAX_AAC_STREAMS) };
  const context: ServerContext = { pipeline, voices, library, openAi, log, metrics, rescanVoices, ...(options.textStreamIdleMs === undefined ? {} : { textStreamIdleMs: options.textStreamIdleMs }) };
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
    await shared?.close();
    await keyStore?.close();
    await library.close();
    dropScratch();
    await models?.close();
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
    await library.close();
    dropScratch();
    await models?.close();
    await engines.close();
    throw error;
  }
  return {
    server,
    engines,
    voices,
    library,
    url: server.url,
    streamUrl: `${server.url.replace(/^http/, 'ws')}/stream`,
    metricsUrl: server.metricsUrl,
    warm,
    rescanVoices,
    async close() {
      await server.close();
      await shared?.close();
      await keyStore?.close();
      await library.close();
      dropScratch();
      await models?.close();
      await engines.close();
    },
  };
}

/**
 * Where design samples go: the data folder's voice-design/ when the server may write there; otherwise (no data
 * folder, or one it may only read) a temporary folder of this server's own, removed when it closes.
 */
function sampleFolder(dataDir: string | undefined, log: Logger): { readonly folder: string; readonly remove: () => void } {
  if (dataDir !== undefined) {
    const folder = path.join(dataDir, DESIGN_FOLDER);
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      accessSync(folder, constants.W_OK);
      return { folder, remove: () => undefined };
    } catch (error) {
      log.warn({ err: error, folder }, 'design samples cannot be written to the data folder; they go to a temporary folder for this run');
    }
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'voxwire-design-'));
  return { folder: scratch, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}
