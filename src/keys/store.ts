/**
 * The API key store: a table in the stores' database (src/storage: SQLite in the data directory by default,
 * PostgreSQL with `--database-url`). A key is shown once, when it is created; the database keeps only its
 * SHA-256 digest, so a copy of it lets nobody in. This is the CLI's read-write view; the server reads the
 * same table through store-verifier.ts. On PostgreSQL a change is announced with NOTIFY, so every node
 * re-reads its keys at once instead of at its next refresh.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describePostgresUrl, openStore, type SqlDatabase, type StorageLocation } from '../storage/database.js';
import type { StoreSchema } from '../storage/migrations.js';
import { hashKey } from './verifier.js';

export const KEY_DATABASE_FILE = 'keys.sqlite';

export function keyDatabasePath(dataDir: string): string {
  return path.join(dataDir, KEY_DATABASE_FILE);
}

/** Names the file and the setting that chose its folder, for every error of the key database. */
export function databaseProblem(dataDir: string, cause: unknown): string {
  return `the key database ${keyDatabasePath(dataDir)} (${KEY_DATABASE_FILE} in --data-dir ${dataDir}): ${(cause as Error).message}`;
}

/** What `list` shows of a key: never the key, never its digest. */
export interface StoredKey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreatedKey extends StoredKey {
  /** The key itself; it exists only in this value and is never stored. */
  readonly key: string;
}

/** A refusal the CLI shows as is (unknown key, duplicate name). */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
}

interface KeyRow {
  readonly id: string;
  readonly name: string;
  readonly created_at: string;
  readonly revoked_at: string | null;
}

/** The channel a key change is announced on (PostgreSQL), so nodes re-read their keys at once. */
export const KEYS_CHANGED_CHANNEL = 'voxwire_keys_changed';

/** IF NOT EXISTS: key databases made before the migrations ledger existed already hold this table. */
export const KEY_SCHEMA: StoreSchema = {
  name: 'keys',
  sqliteFile: KEY_DATABASE_FILE,
  migrations: [
    {
      version: 1,
      sqlite: `CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, digest BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
        CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL`,
      postgres: `CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, digest BYTEA NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
        CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL`,
    },
  ],
};

const KEY_PREFIX = 'vw_';
const ID_PATTERN = /^k_[0-9a-f]{12}$/;
const NAME_PATTERN = /^[\p{L}\p{N}_.@-][\p{L}\p{N}_.@ -]{0,63}$/u;

export class KeyStore {
  private constructor(private readonly db: SqlDatabase) {}

  /**
   * Opens the key table (creating or migrating it). On SQLite the file is created when missing, readable by
   * its owner only. A failure names the file and `--data-dir`, or the database and `--database-url`.
   */
  static async open(location: StorageLocation): Promise<KeyStore> {
    try {
      return new KeyStore(await openStore(location, KEY_SCHEMA));
    } catch (error) {
      if (/^Cannot open /.test((error as Error).message)) throw error;
      const problem = location.kind === 'sqlite' ? databaseProblem(location.dataDir, error) : `${describePostgresUrl(location.url)}: ${(error as Error).message}`;
      throw new Error(`Cannot open ${problem}`, { cause: error });
    }
  }

  /** Runs database calls; a failure other than a refusal of ours names the database (a lock held too long, a read-only file, a server away). */
  private async use<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof KeyStoreError) throw error;
      throw new Error(`Cannot use ${this.db.description}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Tells every node's verifier that the keys changed (PostgreSQL only: SQLite servers re-read the file every second). */
  private async announce(): Promise<void> {
    if (this.db.dialect === 'postgres') await this.db.execute(`NOTIFY ${KEYS_CHANGED_CHANNEL}`);
  }

  async create(name: string): Promise<CreatedKey> {
    const trimmed = name.trim();
    if (!NAME_PATTERN.test(trimmed) || ID_PATTERN.test(trimmed)) {
      throw new KeyStoreError('A key name is 1 to 64 letters, digits, spaces or "_.@-", and must not look like a key id.');
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: KeyRow = { id: `k_${randomBytes(6).toString('hex')}`, name: trimmed, created_at: new Date().toISOString(), revoked_at: null };
    await this.use(async () => {
      try {
        await this.db.execute('INSERT INTO api_keys (id, name, digest, created_at) VALUES ($1, $2, $3, $4)', [row.id, row.name, hashKey(key), row.created_at]);
      } catch (error) {
        // SQLite says UNIQUE, PostgreSQL "duplicate key value violates unique constraint".
        if (/UNIQUE|duplicate key/i.test((error as Error).message)) throw new KeyStoreError(`A key named "${trimmed}" already exists; revoke it or pick another name.`);
        throw error;
      }
      await this.announce();
    });
    return { ...toStoredKey(row), key };
  }

  /** Every key, revoked ones included, oldest first. */
  async list(): Promise<StoredKey[]> {
    return this.use(async () => (await this.db.query<KeyRow>('SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id')).map(toStoredKey));
  }

  /** Revokes the active key with this id or name. */
  async revoke(nameOrId: string): Promise<StoredKey> {
    const wanted = nameOrId.trim();
    return this.use(async () => {
      const revokedAt = new Date().toISOString();
      // One statement: the row chosen is the row changed, even with another revoker at work.
      const [row] = await this.db.query<KeyRow>(
        `UPDATE api_keys SET revoked_at = $2 WHERE id = (
           SELECT id FROM api_keys WHERE revoked_at IS NULL AND (id = $1 OR name = $1) ORDER BY id = $1 DESC LIMIT 1
         ) RETURNING id, name, created_at, revoked_at`,
        [wanted, revokedAt],
      );
      if (row === undefined) throw new KeyStoreError(`No active key has the id or name "${wanted}"; \`voxwire keys list\` shows them.`);
      await this.announce();
      return toStoredKey(row);
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function toStoredKey(row: KeyRow): StoredKey {
  return { id: row.id, name: row.name, createdAt: row.created_at, revokedAt: row.revoked_at };
}
