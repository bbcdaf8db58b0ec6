/**
 * The voice library's schema and rows, one definition for both back ends: the data folder's SQLite file
 * (sqlite-store.ts runs the SQLite text of LIBRARY_SCHEMA) and PostgreSQL (postgres-store.ts, through
 * src/storage's versioned migrations).
 */
import type { StoreSchema } from '../storage/migrations.js';
import type { DesignRecord, LibraryVoiceRecord, VoiceChanges } from './store.js';

export const LIBRARY_DATABASE_FILE = 'library.sqlite';

const TABLES = `CREATE TABLE IF NOT EXISTS voices (
     uuid TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     description TEXT,
     language TEXT NOT NULL,
     gender TEXT NOT NULL,
     engine TEXT NOT NULL,
     spec TEXT NOT NULL,
     base_spec TEXT NOT NULL,
     settings TEXT NOT NULL,
     design TEXT,
     filters TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE IF NOT EXISTS designs (
     uuid TEXT PRIMARY KEY,
     prompt TEXT NOT NULL,
     engine TEXT NOT NULL,
     candidates TEXT NOT NULL,
     matched TEXT NOT NULL,
     ignored TEXT NOT NULL,
     filters TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`;

/**
 * Engine settings, filters and candidates are JSON text on both back ends (the store never queries inside
 * them). Samples get a table on PostgreSQL only: on SQLite they stay WAV files in the data folder.
 */
export const LIBRARY_SCHEMA: StoreSchema = {
  name: 'library',
  sqliteFile: LIBRARY_DATABASE_FILE,
  migrations: [
    {
      version: 1,
      sqlite: TABLES,
      postgres: `${TABLES};
        CREATE TABLE IF NOT EXISTS design_samples (design_uuid TEXT NOT NULL, sample_index INTEGER NOT NULL, wav BYTEA NOT NULL, PRIMARY KEY (design_uuid, sample_index))`,
    },
  ],
};

export interface VoiceRow {
  readonly uuid: string;
  readonly name: string;
  readonly description: string | null;
  readonly language: string;
  readonly gender: string;
  readonly engine: string;
  readonly spec: string;
  readonly base_spec: string;
  readonly settings: string;
  readonly design: string | null;
  readonly filters: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface DesignRow {
  readonly uuid: string;
  readonly prompt: string;
  readonly engine: string;
  readonly candidates: string;
  readonly matched: string;
  readonly ignored: string;
  readonly filters: string;
  readonly created_at: string;
}

export const VOICE_COLUMNS = 'uuid, name, description, language, gender, engine, spec, base_spec, settings, design, filters, created_at, updated_at';
export const DESIGN_COLUMNS = 'uuid, prompt, engine, candidates, matched, ignored, filters, created_at';

export function voiceOf(row: VoiceRow): LibraryVoiceRecord {
  return {
    uuid: row.uuid,
    name: row.name,
    description: row.description,
    language: row.language,
    gender: row.gender === 'male' || row.gender === 'female' ? row.gender : 'unknown',
    engine: row.engine,
    spec: JSON.parse(row.spec) as LibraryVoiceRecord['spec'],
    baseSpec: JSON.parse(row.base_spec) as LibraryVoiceRecord['baseSpec'],
    settings: JSON.parse(row.settings) as LibraryVoiceRecord['settings'],
    design: row.design === null ? null : (JSON.parse(row.design) as LibraryVoiceRecord['design']),
    filters: JSON.parse(row.filters) as LibraryVoiceRecord['filters'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function designOf(row: DesignRow): DesignRecord {
  return {
    uuid: row.uuid,
    prompt: row.prompt,
    engine: row.engine,
    candidates: JSON.parse(row.candidates) as DesignRecord['candidates'],
    matched: JSON.parse(row.matched) as string[],
    ignored: JSON.parse(row.ignored) as string[],
    filters: JSON.parse(row.filters) as DesignRecord['filters'],
    createdAt: row.created_at,
  };
}

/** A voice's column values, in VOICE_COLUMNS order. */
export function voiceValues(voice: LibraryVoiceRecord): unknown[] {
  return [
    voice.uuid,
    voice.name,
    voice.description,
    voice.language,
    voice.gender,
    voice.engine,
    JSON.stringify(voice.spec),
    JSON.stringify(voice.baseSpec),
    JSON.stringify(voice.settings),
    voice.design === null ? null : JSON.stringify(voice.design),
    JSON.stringify(voice.filters),
    voice.createdAt,
    voice.updatedAt,
  ];
}

/** A design's column values, in DESIGN_COLUMNS order. */
export function designValues(design: DesignRecord): unknown[] {
  return [design.uuid, design.prompt, design.engine, JSON.stringify(design.candidates), JSON.stringify(design.matched), JSON.stringify(design.ignored), JSON.stringify(design.filters), design.createdAt];
}

/** The voice row with `changes` applied. */
export function changedRow(row: VoiceRow, changes: VoiceChanges): VoiceRow {
  return {
    ...row,
    name: changes.name ?? row.name,
    description: changes.description === undefined ? row.description : changes.description,
    spec: changes.spec === undefined ? row.spec : JSON.stringify(changes.spec),
    settings: changes.settings === undefined ? row.settings : JSON.stringify(changes.settings),
    updated_at: changes.updatedAt,
  };
}
