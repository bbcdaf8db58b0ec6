/**
 * The voice library in the data folder: `library.sqlite` (better-sqlite3), beside the key store. Without a
 * data folder (servers started in a test, say) it is an in-memory database that lives as long as the server.
 * better-sqlite3 is synchronous; each call is one small indexed statement, so it answers in microseconds. Its
 * tables are schema.ts's, shared with the PostgreSQL library (postgres-store.ts); design samples stay WAV
 * files in the data folder (library.ts).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { changedRow, DESIGN_COLUMNS, designOf, designValues, LIBRARY_DATABASE_FILE, LIBRARY_SCHEMA, VOICE_COLUMNS, voiceOf, voiceValues, type DesignRow, type VoiceRow } from './schema.js';
import type { VoiceChanges, VoiceLibraryStore } from './store.js';

/** The shared schema's SQLite text, in order; `PRAGMA user_version` says how many have run. */
const MIGRATIONS: readonly string[] = LIBRARY_SCHEMA.migrations.map((migration) => migration.sqlite);

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
      db.prepare(`INSERT INTO voices (${VOICE_COLUMNS}) VALUES (${VOICE_COLUMNS.replace(/\w+/g, '?')})`).run(...voiceValues(voice));
    },
    async updateVoice(uuid: string, changes: VoiceChanges) {
      return db.transaction(() => {
        const row = db.prepare<VoiceRow>(`SELECT ${VOICE_COLUMNS} FROM voices WHERE uuid = ?`).get(uuid);
        if (row === undefined) return undefined;
        const next = changedRow(row, changes);
        db.prepare('UPDATE voices SET name = ?, description = ?, spec = ?, settings = ?, updated_at = ? WHERE uuid = ?').run(next.name, next.description, next.spec, next.settings, next.updated_at, uuid);
        return voiceOf(next);
      })();
    },
    async deleteVoice(uuid) {
      return db.prepare('DELETE FROM voices WHERE uuid = ?').run(uuid).changes > 0;
    },
    async putDesign(design) {
      db.prepare(`INSERT OR REPLACE INTO designs (${DESIGN_COLUMNS}) VALUES (${DESIGN_COLUMNS.replace(/\w+/g, '?')})`).run(...designValues(design));
    },
    async getDesign(uuid) {
      const row = db.prepare<DesignRow>(`SELECT ${DESIGN_COLUMNS} FROM designs WHERE uuid = ?`).get(uuid);
      return row === undefined ? undefined : designOf(row);
    },
    async listDesigns() {
      return db.prepare<DesignRow>(`SELECT ${DESIGN_COLUMNS} FROM designs ORDER BY created_at DESC, uuid`).all().map(designOf);
    },
    async deleteDesign(uuid) {
      db.prepare('DELETE FROM designs WHERE uuid = ?').run(uuid);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
