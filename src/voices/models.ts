/**
 * The neural voices installed in a data folder, served without a restart. Each scan (start-up,
 * `voxwire voices rescan`, SIGHUP, a finished `voxwire voices pull`) discovers the models, starts the engine of
 * a kind the first time one of its models appears, and replaces the catalogue's "models" source as a whole: a
 * removed model's voices disappear from every endpoint, while requests already running keep their voice (its
 * spec names its files, and the worker keeps the loaded model).
 */
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { NEURAL_ENGINES } from '../engines/neural.js';
import { discoverNeuralVoices, type DiscoveryError } from '../engines/onnx/discovery.js';
import type { NeuralEngineName, NeuralEngineOptions, NeuralVoice } from '../engines/onnx/voices.js';
import type { EngineRegistry } from '../engines/registry.js';
import { uuidV5, VOICE_NAMESPACE, type Gender, type Voice, type VoiceCatalogue } from './catalogue.js';

/** The catalogue source the models' voices are listed under. */
export const MODELS_SOURCE = 'models';

export interface RescanReport {
  /** Voices served after the scan. */
  readonly voices: number;
  /** Catalogue keys (`piper/en_US-lessac-medium`) that appeared and disappeared. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Models skipped, each with its path and the reason. */
  readonly errors: readonly DiscoveryError[];
}

export interface ModelVoicesOptions {
  readonly dataDir: string;
  readonly engines: EngineRegistry;
  readonly catalogue: VoiceCatalogue;
  readonly log: Logger;
  readonly engineOptions?: NeuralEngineOptions;
}

/** "en-us" → "en-US" (discovery gives lower-case tags; the catalogue's are BCP-47 as written). */
function languageTag(tag: string): string {
  const [primary = tag, ...rest] = tag.split('-');
  return [primary, ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part))].join('-');
}

/** Kokoro's voice names say the gender in their second letter (`af_bella`); Piper's models do not say. */
function genderOf(voice: NeuralVoice): Gender {
  if (voice.engine !== 'kokoro') return 'unknown';
  const letter = voice.key.slice(voice.key.lastIndexOf(':') + 1)[1];
  return letter === 'f' ? 'female' : letter === 'm' ? 'male' : 'unknown';
}

function displayName(voice: NeuralVoice, language: string): string {
  const name = voice.name.charAt(0).toUpperCase() + voice.name.slice(1);
  const engine = NEURAL_ENGINES[voice.engine].title;
  return `${name} (${language}, ${voice.quality === undefined ? engine : `${engine} ${voice.quality}`})`;
}

async function createdAt(path: string): Promise<string> {
  try {
    return (await stat(path)).mtime.toISOString();
  } catch {
    return new Date().toISOString();
  }
}

/** The catalogue's voices for discovered ones (each uuid comes from the engine, the model key and the speaker). */
export function modelCatalogueVoices(voices: readonly NeuralVoice[]): Promise<Voice[]> {
  return Promise.all(voices.map(catalogueVoice));
}

async function catalogueVoice(voice: NeuralVoice): Promise<Voice> {
  const key = `${voice.engine}/${voice.key}`;
  const language = languageTag(voice.language);
  return Object.freeze({
    uuid: uuidV5(VOICE_NAMESPACE, key),
    key,
    name: displayName(voice, language),
    language,
    gender: genderOf(voice),
    engine: voice.engine,
    sampleRate: voice.sampleRate,
    spec: NEURAL_ENGINES[voice.engine].spec(voice),
    createdAt: await createdAt(voice.path),
    ...(voice.quality === undefined ? {} : { quality: voice.quality }),
    ...(voice.speaker === undefined ? {} : { speaker: voice.speaker }),
  });
}

export class ModelVoices {
  private served: readonly Voice[] = [];
  /** Scans run one after another, so one asked for during a scan sees the files installed meanwhile. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ModelVoicesOptions) {}

  rescan(): Promise<RescanReport> {
    const scan = this.queue.then(() => this.scan());
    this.queue = scan.catch(() => undefined);
    return scan;
  }

  /** Waits for a running scan and refuses later ones, so no engine is started after the registry closed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  private async scan(): Promise<RescanReport> {
    const { dataDir, catalogue, log } = this.options;
    if (this.closed) return { voices: this.served.length, added: [], removed: [], errors: [] };
    const discovery = await discoverNeuralVoices(dataDir);
    const errors = [...discovery.errors];
    const kinds = new Set(discovery.voices.map((voice) => voice.engine));
    const failed = new Set<NeuralEngineName>();
    for (const kind of kinds) {
      const reason = await this.startEngine(kind);
      if (reason === undefined) continue;
      failed.add(kind);
      errors.push({ path: dataDir, reason: `the ${kind} engine cannot start: ${reason}` });
    }
    const voices = await modelCatalogueVoices(discovery.voices.filter((voice) => !failed.has(voice.engine)));
    const before = new Set(this.served.map((voice) => voice.key));
    const after = new Set(voices.map((voice) => voice.key));
    this.served = voices;
    catalogue.setSource(MODELS_SOURCE, voices);
    for (const { path, reason } of errors) log.warn({ path, reason }, 'voice model skipped');
    const report: RescanReport = {
      voices: voices.length,
      added: [...after].filter((key) => !before.has(key)),
      removed: [...before].filter((key) => !after.has(key)),
      errors,
    };
    // A folder without models (most servers) is not worth a line at every start.
    const level = report.voices > 0 || report.removed.length > 0 || errors.length > 0 ? 'info' : 'debug';
    log[level]({ voices: report.voices, added: report.added, removed: report.removed, skipped: errors.length }, 'voice models scanned');
    return report;
  }

  /** Starts the engine of `kind` unless it runs; the reason when it cannot. */
  private async startEngine(kind: NeuralEngineName): Promise<string | undefined> {
    const { engines, engineOptions } = this.options;
    if (engines.engine(kind) !== undefined) return undefined;
    const engine = NEURAL_ENGINES[kind].start(engineOptions ?? {});
    try {
      await engine.ready();
    } catch (error) {
      await engine.close();
      return error instanceof Error ? error.message : String(error);
    }
    engines.add(engine);
    return undefined;
  }
}
