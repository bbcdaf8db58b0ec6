/**
 * The stores' database, behind one small async interface with two implementations: SQLite (the embedded
 * default, one file per store in the data directory) and PostgreSQL (`--database-url`, shared by every node
 * of a cluster). A store declares its schema as versioned migrations for both dialects (migrations.ts) and
 * writes its queries once, with `$1`-style parameters, in the SQL both dialects share.
 */
import { migrate, type StoreSchema } from './migrations.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';

/** Where the stores live: files in a data folder, or one PostgreSQL database. */
export type StorageLocation = { readonly kind: 'sqlite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

export type Dialect = StorageLocation['kind'];

/** Queries on one connection (a transaction's) or on the database. */
export interface SqlExecutor {
  /** The rows of a query; parameters are `$1`, `$2`, … in the text. */
  query<Row>(sql: string, parameters?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  execute(sql: string, parameters?: readonly unknown[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: Dialect;
  /** What to name in an error: the file and `--data-dir`, or the PostgreSQL host and database (never a password). */
  readonly description: string;
  /** Runs `work` in one transaction (SQLite: BEGIN IMMEDIATE, so writers queue on the file lock). */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The location the settings choose: PostgreSQL when a database URL is given, else the data folder. */
export function storageLocation(dataDir: string, databaseUrl: string | undefined): StorageLocation {
  return databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'sqlite', dataDir };
}

/** Opens the store's database and brings its schema up to date (migrations.ts). */
export async function openStore(location: StorageLocation, schema: StoreSchema): Promise<SqlDatabase> {
  const db = location.kind === 'sqlite' ? openSqlite(location.dataDir, schema.sqliteFile) : openPostgres(location.url);
  try {
    await migrate(db, schema);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** A PostgreSQL URL as it may be logged: host, port and database, without user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `the PostgreSQL database ${parsed.pathname.slice(1) || '(default)'} at ${parsed.host || parsed.searchParams.get('host') || 'localhost'} (--database-url)`;
  } catch {
    return 'the PostgreSQL database of --database-url (the URL does not parse)';
  }
}
