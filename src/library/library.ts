/**
 * The voice library of one server: user voices (derived from another voice, or promoted from a design
 * candidate) kept in a VoiceLibraryStore and served through the server's VoiceCatalogue as its `library`
 * source, so every endpoint and the pipeline see a change as soon as the store has it; and voice designs,
 * whose candidate samples are WAV files under `<data-dir>/voice-design/<design uuid>/` on SQLite, and rows of
 * the database on PostgreSQL (the store's `samples`), so that every node of a cluster serves them.
 *
 * Changes made elsewhere (the CLI, another node) are read again: at once when the store announces them
 * (PostgreSQL's NOTIFY), else by a poll every REFRESH_INTERVAL_MS.
 *
 * A deleted voice leaves the catalogue before the delete is answered, so every request that looks it up from
 * then on (a WebSocket request queued earlier checks again when it starts) gets VoiceNotFound; its design's
 * samples go with it unless another voice came from the same design.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { wavFile } from '../audio/wav.js';
import { isSampleRate, type AudioFormat } from '../audio/formats.js';
import { CANDIDATES_PER_DESIGN, type EngineDesigner, type VoiceAttributes, type VoiceSettings } from '../engines/design.js';
import { BUILT_IN_ENGINES, registryOf, type EnginePlugin } from '../engines/registry.js';
import { VoxwireError } from '../protocol/errors.js';
import { describeVocabulary, readPrompt } from '../synthesis/lexicon.js';
import { createPipeline, type SynthesisPipeline } from '../synthesis/pipeline.js';
import { renderWhole } from '../synthesis/render.js';
import { planFromText } from '../synthesis/ssml/index.js';
import { DEFAULT_VOICE, uuidV5, type Voice, type VoiceCatalogue } from '../voices/catalogue.js';
import type { StorageLocation } from '../storage/database.js';
import { openPostgresLibrary } from './postgres-store.js';
import { LIBRARY_DATABASE_FILE } from './schema.js';
import { openSqliteLibrary } from './sqlite-store.js';
import type { DesignRecord, DesignSamples, LibraryVoiceRecord, VoiceFilters, VoiceLibraryStore } from './store.js';

/** The catalogue source the library's voices are listed under. */
export const LIBRARY_SOURCE = 'library';
/** Folder of the design samples in the data folder. */
export const DESIGN_FOLDER = 'voice-design';
/** Samples of a design not promoted are kept this long (protocol.md section 6: at least 4 hours), then swept. */
export const SAMPLE_LIFETIME_MS = 4 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** How often the store is read again, so voices created or deleted by another process (the CLI) appear here. */
const REFRESH_INTERVAL_MS = 2000;
/** What every candidate says: short, with voiced sounds throughout, so pitch and pace are easy to hear. */
export const SAMPLE_SENTENCE = 'Hello! This is how I sound when I read a short sentence aloud.';
/** Candidates render with a fixed seed, so the same prompt gives byte-identical samples. */
const SAMPLE_SEED = 1;
/** Namespace of design uuids: a design's uuid is derived from its engine and normalized prompt. */
const DESIGN_NAMESPACE = '8c0f2a47-5d1e-5b39-a6c2-71e4f09d3b58';
const MAX_PROMPT_CHARS = 1000;
const MAX_NAME_CHARS = 100;
const MAX_DESCRIPTION_CHARS = 1000;
/** Ranges of `settings` (protocol.md section 4): semitones, and rate and volume multipliers. */
const SETTING_RANGES: Readonly<Record<keyof VoiceSettings, readonly [number, number]>> = { pitch: [-12, 12], rate: [0.5, 2], volume: [0, 4] };

/**
 * A refusal the contract answers with a status of its own (403 for built-in voices, 422 for what cannot be
 * made, 503 while the library's database cannot be used).
 */
export class LibraryRefusal extends Error {
  override readonly name = 'LibraryRefusal';
  constructor(
    readonly status: 403 | 422 | 503,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A store call; its failure (PostgreSQL away, a file that cannot be written) is a 503 the client may retry. */
async function stored<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new LibraryRefusal(503, `The voice library's database cannot be used right now (${(error as Error).message}); retry in a few seconds.`, { cause: error });
  }
}

export interface CreateVoiceInput {
  readonly name: string;
  readonly description?: string | null;
  readonly language?: string;
  readonly baseVoiceUuid?: string;
  readonly settings?: VoiceSettings;
}

export interface UpdateVoiceInput {
  readonly name?: string;
  readonly description?: string | null;
  readonly settings?: VoiceSettings;
}

export interface VoiceLibraryOptions {
  readonly store: VoiceLibraryStore;
  readonly catalogue: VoiceCatalogue;
  readonly pipeline: SynthesisPipeline;
  /** The running engines' plug-ins, in registration order (the first whose designer can honour a prompt designs it). */
  readonly plugins: readonly EnginePlugin[];
  /** Folder of the candidate samples; needed unless the store keeps them (its `samples`). */
  readonly samplesDir?: string;
  readonly now?: () => number;
}

/** A plug-in that designs voices. */
type DesigningPlugin = EnginePlugin & { readonly designer: EngineDesigner };

export class VoiceLibrary {
  private records = new Map<string, LibraryVoiceRecord>();
  /** Counts this process's own changes, so a refresh that read the store before one of them is dropped. */
  private changes = 0;
  private readonly timers: NodeJS.Timeout[];
  private readonly now: () => number;
  private readonly samples: DesignSamples;
  private readonly unwatch: (() => Promise<void>) | undefined;
  /** One read of the store at a time: a change announced during a read is answered by a read right after it. */
  private reading: Promise<void> | undefined;
  private readAgain = false;

  private constructor(private readonly options: VoiceLibraryOptions) {
    this.now = options.now ?? Date.now;
    const samples = options.store.samples ?? (options.samplesDir === undefined ? undefined : sampleFiles(options.samplesDir));
    if (samples === undefined) throw new Error('a voice library whose store keeps no samples needs a samples folder');
    this.samples = samples;
    // A failed sweep or refresh is tried again at the next tick; the voices already known stay in use meanwhile.
    this.timers = [
      setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS),
      setInterval(() => void this.refresh().catch(() => undefined), REFRESH_INTERVAL_MS),
    ];
    for (const timer of this.timers) timer.unref();
    this.unwatch = options.store.watch?.(() => void this.refresh().catch(() => undefined));
  }

  /**
   * Reads the store again and republishes when another process changed it. Reads are serialized, so an older
   * read never lands after a newer one; a call during a read is answered by one more read after it.
   */
  async refresh(): Promise<void> {
    if (this.reading !== undefined) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = this.readStore().finally(() => {
      this.reading = undefined;
      if (this.readAgain) {
        this.readAgain = false;
        void this.refresh().catch(() => undefined);
      }
    });
    return this.reading;
  }

  private async readStore(): Promise<void> {
    const before = this.changes;
    const stored = await this.options.store.listVoices();
    if (before !== this.changes) return;
    const same = stored.length === this.records.size && stored.every((record) => this.records.get(record.uuid)?.updatedAt === record.updatedAt);
    if (same) return;
    this.records = new Map(stored.map((record) => [record.uuid, record]));
    this.publish();
  }

  /** Loads the stored voices into the catalogue and sweeps old samples. */
  static async open(options: VoiceLibraryOptions): Promise<VoiceLibrary> {
    const library = new VoiceLibrary(options);
    try {
      for (const record of await options.store.listVoices()) library.records.set(record.uuid, record);
    } catch (error) {
      await library.close();
      throw error;
    }
    library.publish();
    // A sweep that fails (a library served read-only) must not stop the start; the next one tries again.
    await library.sweep().catch(() => undefined);
    return library;
  }

  /** Accents some running engine can give a designed voice. */
  accents(): string[] {
    return [...new Set(this.designers().flatMap((plugin) => plugin.designer.accents))];
  }

  private designers(): DesigningPlugin[] {
    return this.options.plugins.filter((plugin): plugin is DesigningPlugin => plugin.designer !== undefined);
  }

  private publish(): void {
    this.changes += 1;
    this.options.catalogue.setSource(LIBRARY_SOURCE, [...this.records.values()].map((record) => this.voiceOf(record)));
  }

  private voiceOf(record: LibraryVoiceRecord): Voice {
    const plugin = this.options.plugins.find((candidate) => candidate.id === record.engine);
    return Object.freeze({
      uuid: record.uuid,
      key: `${LIBRARY_SOURCE}/${record.uuid}`,
      name: record.name,
      language: record.language,
      gender: record.gender,
      engine: record.engine,
      sampleRate: plugin?.sampleRate ?? 0,
      spec: record.spec,
      createdAt: record.createdAt,
      library: {
        voiceType: record.design === null ? ('custom' as const) : ('designed' as const),
        description: record.description,
        filters: record.filters as Readonly<Record<string, unknown>>,
        updatedAt: record.updatedAt,
      },
    });
  }

  private designerOf(engine: string): EngineDesigner | undefined {
    return this.options.plugins.find((plugin) => plugin.id === engine)?.designer;
  }

  /** POST /api/v2/voices: a voice derived from `baseVoiceUuid` (or the language's default voice) with `settings`. */
  async create(input: CreateVoiceInput): Promise<Voice> {
    const base = input.baseVoiceUuid !== undefined ? this.options.catalogue.find(input.baseVoiceUuid) : input.language !== undefined ? this.options.catalogue.forLanguage(input.language) : DEFAULT_VOICE;
    if (base === undefined) {
      const asked = input.baseVoiceUuid ?? input.language ?? '';
      throw new VoxwireError('VoiceNotFound', input.baseVoiceUuid !== undefined ? `No voice has the uuid "${asked}" to derive from.` : `No voice speaks the language "${asked}".`, {
        ...(input.baseVoiceUuid !== undefined ? { voice_uuid: asked } : { language: asked }),
      });
    }
    const settings = input.settings ?? {};
    const baseRecord = this.records.get(base.uuid);
    const baseSpec = baseRecord?.baseSpec ?? base.spec;
    const combined = combineSettings(baseRecord?.settings ?? {}, settings);
    const time = new Date(this.now()).toISOString();
    const record: LibraryVoiceRecord = {
      uuid: randomUUID(),
      name: checkName(input.name),
      description: input.description ?? null,
      language: base.language,
      gender: base.gender,
      engine: base.engine,
      spec: this.applySettings(base.engine, baseSpec, combined),
      baseSpec,
      settings: combined,
      design: null,
      filters: { gender: base.gender, accents: [base.language] },
      createdAt: time,
      updatedAt: time,
    };
    return this.insert(record);
  }

  private applySettings(engine: string, spec: LibraryVoiceRecord['spec'], settings: VoiceSettings): LibraryVoiceRecord['spec'] {
    if (Object.keys(settings).length === 0) return spec;
    const designer = this.designerOf(engine);
    if (designer === undefined) throw new LibraryRefusal(422, `The ${engine} engine declares no settings; a voice of it can be renamed but not changed.`);
    return designer.derive(spec, settings);
  }

  private async insert(record: LibraryVoiceRecord): Promise<Voice> {
    await stored(() => this.options.store.insertVoice(record));
    this.records.set(record.uuid, record);
    this.publish();
    return this.options.catalogue.find(record.uuid)!;
  }

  /** The library voice `uuid`; built-in voices are refused with 403, unknown ones with VoiceNotFound. */
  private own(uuid: string): LibraryVoiceRecord {
    const record = this.records.get(uuid.toLowerCase());
    if (record !== undefined) return record;
    if (this.options.catalogue.find(uuid) !== undefined) throw new LibraryRefusal(403, `The voice "${uuid}" is built in: built-in voices cannot be changed or deleted.`);
    throw new VoxwireError('VoiceNotFound', `No voice has the uuid "${uuid}".`, { voice_uuid: uuid });
  }

  /** PUT/PATCH /api/v2/voices/{uuid}: `settings` replace the voice's settings (relative to the voice it came from). */
  async update(uuid: string, input: UpdateVoiceInput): Promise<Voice> {
    const record = this.own(uuid);
    const changes = {
      ...(input.name === undefined ? {} : { name: checkName(input.name) }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.settings === undefined ? {} : { settings: input.settings, spec: this.applySettings(record.engine, record.baseSpec, input.settings) }),
      updatedAt: new Date(this.now()).toISOString(),
    };
    const updated = await stored(() => this.options.store.updateVoice(record.uuid, changes));
    if (updated === undefined) throw new VoxwireError('VoiceNotFound', `No voice has the uuid "${uuid}".`, { voice_uuid: uuid });
    this.records.set(updated.uuid, updated);
    this.publish();
    return this.options.catalogue.find(updated.uuid)!;
  }

  /** DELETE /api/v2/voices/{uuid}: gone from the catalogue at once; its design's samples too, unless another voice uses it. */
  async remove(uuid: string): Promise<void> {
    const record = this.own(uuid);
    await stored(() => this.options.store.deleteVoice(record.uuid));
    this.records.delete(record.uuid);
    this.publish();
    const design = record.design?.designUuid;
    // The voice is gone either way: a design left behind by a failed clean-up is swept with the unpromoted ones.
    if (design !== undefined && ![...this.records.values()].some((other) => other.design?.designUuid === design)) await this.dropDesign(design).catch(() => undefined);
  }

  private async dropDesign(uuid: string): Promise<void> {
    await stored(async () => {
      await this.options.store.deleteDesign(uuid);
      await this.samples.drop(uuid);
    });
  }

  /** The sample WAV of a design's candidate, or undefined when there is none (unknown, or swept). */
  async sample(designUuid: string, index: number): Promise<Buffer | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(designUuid) || !Number.isInteger(index) || index < 0 || index >= CANDIDATES_PER_DESIGN) return undefined;
    return stored(() => this.samples.get(designUuid, index));
  }

  /**
   * POST /api/v2/voice-design: reads the prompt, lets the first engine whose designer honours every attribute
   * make three candidates, renders their samples and stores the design.
   */
  async design(prompt: string, signal: AbortSignal): Promise<DesignRecord> {
    const text = prompt.trim();
    if (text === '' || text.length > MAX_PROMPT_CHARS) {
      throw new VoxwireError('InvalidRequest', `\`user_prompt\` must be a description of 1 to ${MAX_PROMPT_CHARS} characters.`, { field: 'user_prompt' });
    }
    const accents = this.accents();
    const reading = readPrompt(text, new Set(accents));
    if (reading.matched.length === 0) {
      throw new LibraryRefusal(422, `Nothing in the prompt describes a voice voxwire can make. It understands: ${describeVocabulary(accents)}.`);
    }
    const plugin = this.designers().find((candidate) => candidate.designer.unsupported(reading.attributes).length === 0);
    if (plugin === undefined) {
      const missing = [...new Set(this.designers().flatMap((candidate) => candidate.designer.unsupported(reading.attributes)))];
      throw new LibraryRefusal(422, `No engine on this server can make a voice with ${missing.join(', ')}.`);
    }
    const candidates = Array.from({ length: CANDIDATES_PER_DESIGN }, (_, index) => plugin.designer.candidate(reading.attributes, index));
    const uuid = uuidV5(DESIGN_NAMESPACE, `${plugin.id}\n${text.toLowerCase().replace(/\s+/g, ' ')}`);
    // Rendered together: the engine's workers share them out.
    const wavs = await Promise.all(candidates.map((candidate) => this.renderSample(plugin, candidate, signal)));
    await stored(() => this.samples.put(uuid, wavs));
    const design: DesignRecord = {
      uuid,
      prompt: text,
      engine: plugin.id,
      candidates,
      matched: reading.matched,
      ignored: reading.ignored,
      filters: filtersOf(reading.attributes, candidates[0]!.language),
      createdAt: new Date(this.now()).toISOString(),
    };
    await stored(() => this.options.store.putDesign(design));
    return design;
  }

  private async renderSample(plugin: EnginePlugin, candidate: DesignRecord['candidates'][number], signal: AbortSignal): Promise<Buffer> {
    if (!isSampleRate(plugin.sampleRate)) throw new Error(`the ${plugin.id} engine's rate ${plugin.sampleRate} Hz is not an output rate`);
    const format: AudioFormat = { format: 'wav', sampleRate: plugin.sampleRate, precision: 'PCM_16' };
    const plan = { ...planFromText(SAMPLE_SENTENCE), seed: SAMPLE_SEED };
    const voice = { engine: plugin.id, spec: candidate.spec, language: candidate.language, gender: candidate.gender };
    const rendered = await renderWhole(this.options.pipeline, { plan, voice }, format, signal);
    if (rendered === undefined) throw new VoxwireError('SynthesisFailure', 'The design was abandoned before its samples were made.');
    return wavFile(format, Buffer.concat(rendered.chunks));
  }

  /** The designs kept, newest first. */
  designs(): Promise<DesignRecord[]> {
    return stored(() => this.options.store.listDesigns());
  }

  /** Promotes candidate `index` of design `designUuid` to a voice of the library named `name`. */
  async promote(designUuid: string, index: number, name: string): Promise<Voice> {
    const design = /^[0-9a-f-]{36}$/i.test(designUuid) ? await stored(() => this.options.store.getDesign(designUuid.toLowerCase())) : undefined;
    if (design === undefined) throw new VoxwireError('VoiceNotFound', `No voice design has the uuid "${designUuid}" (designs are kept ${SAMPLE_LIFETIME_MS / 3_600_000} hours).`, { voice_uuid: designUuid });
    const candidate = Number.isInteger(index) ? design.candidates[index] : undefined;
    if (candidate === undefined) {
      throw new VoxwireError('InvalidRequest', `\`voice_sample_index\` must be 0 to ${design.candidates.length - 1}.`, { field: 'voice_sample_index', allowed: design.candidates.map((_, k) => k) });
    }
    const time = new Date(this.now()).toISOString();
    return this.insert({
      uuid: randomUUID(),
      name: checkName(name),
      description: design.prompt,
      language: candidate.language,
      gender: candidate.gender,
      engine: design.engine,
      spec: candidate.spec,
      baseSpec: candidate.spec,
      settings: {},
      design: { designUuid: design.uuid, sampleIndex: index, prompt: design.prompt },
      filters: design.filters,
      createdAt: time,
      updatedAt: time,
    });
  }

  /** Deletes designs older than SAMPLE_LIFETIME_MS that no voice came from, with their samples. */
  async sweep(): Promise<number> {
    const cutoff = this.now() - SAMPLE_LIFETIME_MS;
    const used = new Set([...this.records.values()].flatMap((record) => (record.design === null ? [] : [record.design.designUuid])));
    let swept = 0;
    for (const design of await this.options.store.listDesigns()) {
      if (used.has(design.uuid) || Date.parse(design.createdAt) >= cutoff) continue;
      await this.dropDesign(design.uuid);
      swept += 1;
    }
    return swept;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.unwatch?.();
    await this.reading?.catch(() => undefined);
    await this.options.store.close();
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME_CHARS) throw new VoxwireError('InvalidRequest', `\`name\` must be 1 to ${MAX_NAME_CHARS} characters.`, { field: 'name' });
  return trimmed;
}

/** Checks a description's length; null clears it. */
export function checkDescription(description: unknown): string | null | undefined {
  if (description === undefined || description === null) return description;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_CHARS) {
    throw new VoxwireError('InvalidRequest', `\`description\` must be text of at most ${MAX_DESCRIPTION_CHARS} characters.`, { field: 'description' });
  }
  return description;
}

/** Validates `settings` of a request body. */
export function parseSettings(value: unknown): VoiceSettings | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new VoxwireError('InvalidRequest', '`settings` must be an object: {"pitch": semitones, "rate": multiplier, "volume": multiplier}.', { field: 'settings' });
  const settings: { -readonly [K in keyof VoiceSettings]: number } = {};
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const range = SETTING_RANGES[name as keyof VoiceSettings];
    if (range === undefined) throw new VoxwireError('InvalidRequest', `\`settings.${name}\` is not a setting; use pitch, rate or volume.`, { field: `settings.${name}`, allowed: Object.keys(SETTING_RANGES) });
    if (typeof raw !== 'number' || !(raw >= range[0] && raw <= range[1])) {
      throw new VoxwireError('InvalidRequest', `\`settings.${name}\` must be a number from ${range[0]} to ${range[1]}.`, { field: `settings.${name}`, allowed: [`${range[0]}..${range[1]}`] });
    }
    settings[name as keyof VoiceSettings] = raw;
  }
  return settings;
}

/** A voice derived from a library voice keeps the base's settings and adds its own (semitones add, multipliers multiply). */
function combineSettings(base: VoiceSettings, added: VoiceSettings): VoiceSettings {
  const pitch = (base.pitch ?? 0) + (added.pitch ?? 0);
  const rate = (base.rate ?? 1) * (added.rate ?? 1);
  const volume = (base.volume ?? 1) * (added.volume ?? 1);
  return { ...(pitch === 0 ? {} : { pitch }), ...(rate === 1 ? {} : { rate }), ...(volume === 1 ? {} : { volume }) };
}

function filtersOf(attributes: VoiceAttributes, language: string): VoiceFilters {
  const age = attributes.age;
  return {
    ...(attributes.gender === undefined ? {} : { gender: attributes.gender }),
    ...(age === undefined ? {} : { age: age <= -1.5 ? 'child' : age < 0 ? 'young' : age < 1 ? 'middle_aged' : 'old' }),
    accents: [language],
    tone: [...(attributes.qualities ?? [])],
  };
}

/** Design samples as WAV files in `folder`, one folder per design. */
function sampleFiles(folder: string): DesignSamples {
  const designFolder = (uuid: string): string => path.join(folder, uuid);
  return {
    async put(designUuid, wavs) {
      mkdirSync(designFolder(designUuid), { recursive: true, mode: 0o700 });
      for (const [index, wav] of wavs.entries()) {
        // Written aside and renamed, so a client fetching the sample never reads half a file.
        const file = path.join(designFolder(designUuid), `${index}.wav`);
        writeFileSync(`${file}.part`, wav);
        renameSync(`${file}.part`, file);
      }
    },
    async get(designUuid, index) {
      try {
        return readFileSync(path.join(designFolder(designUuid), `${index}.wav`));
      } catch {
        return undefined;
      }
    },
    async drop(designUuid) {
      rmSync(designFolder(designUuid), { recursive: true, force: true });
    },
  };
}

/**
 * The library of a data folder or a PostgreSQL database without a running server (the CLI, `voxwire say`):
 * its voices join `catalogue`; it can create, change and delete voices, but not design (no engine runs).
 */
export async function openOfflineLibrary(location: StorageLocation, catalogue: VoiceCatalogue): Promise<VoiceLibrary> {
  const store = location.kind === 'postgres' ? await openPostgresLibrary(location.url) : openSqliteLibrary(location.dataDir);
  return VoiceLibrary.open({
    store,
    catalogue,
    pipeline: createPipeline(registryOf([])),
    plugins: BUILT_IN_ENGINES,
    ...(location.kind === 'sqlite' ? { samplesDir: path.join(location.dataDir, DESIGN_FOLDER) } : {}),
  });
}

/** Adds the voices of the data folder's library to `catalogue`, when the folder has a library (none is created). */
export async function addLibraryVoices(dataDir: string, catalogue: VoiceCatalogue): Promise<void> {
  if (!existsSync(path.join(dataDir, LIBRARY_DATABASE_FILE))) return;
  const library = await openOfflineLibrary({ kind: 'sqlite', dataDir }, catalogue);
  await library.close();
}
