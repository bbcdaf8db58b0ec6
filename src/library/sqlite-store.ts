/**
 * The voice library in the data folder: `library.sqlite` (better-sqlite3), beside the key store. Without a
 * data folder (servers started in a test, say) it is an in-memory database that lives as long as the server.
 * better-sqlite3 is synchronous; each call is one small indexed statement, so it answers in microseconds and
 * the interface's promises only keep the door open for a networked store.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DesignRecord, LibraryVoiceRecord, VoiceChanges, VoiceLibraryStore } from './store.js';

export const LIBRARY_DATABASE_FILE = 'library.sqlite';

/** Migrations in order; `PRAGMA user_version` says how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE voices (
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
   CREATE TABLE designs (
     uuid TEXT PRIMARY KEY,
     prompt TEXT NOT NULL,
     engine TEXT NOT NULL,
     candidates TEXT NOT NULL,
     matched TEXT NOT NULL,
     ignored TEXT NOT NULL,
     filters TEXT NOT NULL,
     created_at TEXT NOT NULL
   );`,
];

interface VoiceRow {
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

interface DesignRow {
  readonly uuid: string;
  readonly prompt: string;
  readonly engine: string;
  readonly candidates: string;
  readonly matched: string;
  readonly ignored: string;
  readonly filters: string;
  readonly created_at: string;
}

function voiceOf(row: VoiceRow): LibraryVoiceRecord {
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

function designOf(row: DesignRow): DesignRecord {
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

const VOICE_COLUMNS = 'uuid, name, description, language, gender, engine, spec, base_spec, settings, design, filters, created_at, updated_at';

function migrate(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  db.transaction(() => {
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}

/** Why the library could not be opened for writing, and what is served instead. */
export type LibraryDowngrade = (problem: string) => void;

/**
 * Opens (creating and migrating) the library of `dataDir`, or an in-memory one when `dataDir` is undefined. A
 * data folder the server may only read (the key store allows one) does not stop the start: an existing library
 * is served read-only (changes fail), a missing one is kept in memory for this run; `downgraded` says which.
 */
export function openSqliteLibrary(dataDir: string | undefined, downgraded?: LibraryDowngrade): VoiceLibraryStore {
  if (dataDir === undefined) {
    const db = new Database(':memory:');
    migrate(db);
    return storeOver(db);
  }
  const file = path.join(dataDir, LIBRARY_DATABASE_FILE);
  const named = (error: unknown): string => `the voice library ${file} (${LIBRARY_DATABASE_FILE} in --data-dir ${dataDir}): ${(error as Error).message}`;
  let db: Database.Database | undefined;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file, { timeout: 5000 });
    chmodSync(file, 0o600);
    migrate(db);
    return storeOver(db);
  } catch (error) {
    db?.close();
    if (!existsSync(file)) {
      downgraded?.(`${named(error)}; voices made now are kept in memory until the server stops`);
      return openSqliteLibrary(undefined);
    }
    try {
      const readOnly = new Database(file, { readonly: true, fileMustExist: true });
      if (Number(readOnly.pragma('user_version', { simple: true })) !== MIGRATIONS.length) {
        readOnly.close();
        throw error;
      }
      downgraded?.(`${named(error)}; it is served read-only, so voices cannot be made, changed or deleted`);
      return storeOver(readOnly);
    } catch {
      throw new Error(`Cannot open ${named(error)}`, { cause: error });
    }
  }
}

function storeOver(db: Database.Database): VoiceLibraryStore {
  return {
    async listVoices() {
      return db.prepare<VoiceRow>(`SELECT ${VOICE_COLUMNS} FROM voices ORDER BY created_at, uuid`).all().map(voiceOf);
    },
    async insertVoice(voice) {
      db.prepare(`INSERT INTO voices (${VOICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
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
      );
    },
    async updateVoice(uuid: string, changes: VoiceChanges) {
      return db.transaction(() => {
        const row = db.prepare<VoiceRow>(`SELECT ${VOICE_COLUMNS} FROM voices WHERE uuid = ?`).get(uuid);
        if (row === undefined) return undefined;
        const next: VoiceRow = {
          ...row,
          name: changes.name ?? row.name,
          description: changes.description === undefined ? row.description : changes.description,
          spec: changes.spec === undefined ? row.spec : JSON.stringify(changes.spec),
          settings: changes.settings === undefined ? row.settings : JSON.stringify(changes.settings),
          updated_at: changes.updatedAt,
        };
        db.prepare('UPDATE voices SET name = ?, description = ?, spec = ?, settings = ?, updated_at = ? WHERE uuid = ?').run(next.name, next.description, next.spec, next.settings, next.updated_at, uuid);
        return voiceOf(next);
      })();
    },
    async deleteVoice(uuid) {
      return db.prepare('DELETE FROM voices WHERE uuid = ?').run(uuid).changes > 0;
    },
    async putDesign(design) {
      db.prepare('INSERT OR REPLACE INTO designs (uuid, prompt, engine, candidates, matched, ignored, filters, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        design.uuid,
        design.prompt,
        design.engine,
        JSON.stringify(design.candidates),
        JSON.stringify(design.matched),
        JSON.stringify(design.ignored),
        JSON.stringify(design.filters),
        design.createdAt,
      );
    },
    async getDesign(uuid) {
      const row = db.prepare<DesignRow>('SELECT * FROM designs WHERE uuid = ?').get(uuid);
      return row === undefined ? undefined : designOf(row);
    },
    async listDesigns() {
      return db.prepare<DesignRow>('SELECT * FROM designs ORDER BY created_at DESC, uuid').all().map(designOf);
    },
    async deleteDesign(uuid) {
      db.prepare('DELETE FROM designs WHERE uuid = ?').run(uuid);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
