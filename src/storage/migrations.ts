/**
 * Versioned schema migrations, run when a store opens (at server start and by the CLI). Each store names its
 * own list; `voxwire_migrations` records what ran, per store. Two nodes starting at once on an empty database
 * are serialized by a lock held for the whole run (PostgreSQL: a transaction-scoped advisory lock; SQLite:
 * BEGIN IMMEDIATE on the file), so each migration runs once and the second node finds it done.
 */
import type { Dialect, SqlDatabase, SqlExecutor } from './database.js';

export interface Migration {
  /** 1, 2, 3, … in order; never renumbered once released. */
  readonly version: number;
  readonly sqlite: string;
  readonly postgres: string;
}

export interface StoreSchema {
  /** The store's name in `voxwire_migrations` ("keys", "voices", …). */
  readonly name: string;
  /** Its file in the data folder, on SQLite. */
  readonly sqliteFile: string;
  readonly migrations: readonly Migration[];
}

/** Any constant: every voxwire store migrates under this one PostgreSQL advisory lock. */
const ADVISORY_LOCK_ID = 0x766f78;

const LEDGER = `CREATE TABLE IF NOT EXISTS voxwire_migrations (
  store TEXT NOT NULL,
  version INTEGER NOT NULL,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (store, version)
)`;

/** Applies the migrations of `schema` that have not run yet; resolves to the versions it applied. */
export async function migrate(db: SqlDatabase, schema: StoreSchema): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_ID]);
    await tx.execute(LEDGER);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM voxwire_migrations WHERE store = $1', [schema.name])).map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of [...schema.migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await runScript(tx, db.dialect, migration);
      await tx.execute('INSERT INTO voxwire_migrations (store, version, applied_at) VALUES ($1, $2, $3)', [schema.name, migration.version, new Date().toISOString()]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** A migration's statements, one at a time (both drivers take one statement per prepared call). */
async function runScript(tx: SqlExecutor, dialect: Dialect, migration: Migration): Promise<void> {
  for (const statement of migration[dialect].split(';').map((text) => text.trim())) {
    if (statement.length > 0) await tx.execute(statement);
  }
}
