/**
 * The API key store: an embedded SQLite database in the data directory. A key is shown once, when it is
 * created; the database keeps only its SHA-256 digest, so a copy of the file lets nobody in.
 * This is the CLI's read-write view; the server reads the same file through store-verifier.ts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    digest BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
`;

const KEY_PREFIX = 'vw_';
const ID_PATTERN = /^k_[0-9a-f]{12}$/;
const NAME_PATTERN = /^[\p{L}\p{N}_.@-][\p{L}\p{N}_.@ -]{0,63}$/u;

export class KeyStore {
  private constructor(
    private readonly db: Database.Database,
    private readonly dataDir: string,
  ) {}

  /**
   * Opens (creating when missing) the key database in `dataDir`, readable by its owner only. A failure
   * names the file and `--data-dir`, the setting that chose it.
   */
  static open(dataDir: string): KeyStore {
    const file = keyDatabasePath(dataDir);
    let db: Database.Database | undefined;
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      db = new Database(file, { timeout: 5000 });
      chmodSync(file, 0o600);
      db.exec(SCHEMA);
    } catch (error) {
      db?.close();
      throw new Error(`Cannot open ${databaseProblem(dataDir, error)}`, { cause: error });
    }
    return new KeyStore(db, dataDir);
  }

  /** Runs a database call; a failure other than a refusal of ours names the file (a lock held too long, a read-only file). */
  private use<T>(call: () => T): T {
    try {
      return call();
    } catch (error) {
      if (error instanceof KeyStoreError) throw error;
      throw new Error(`Cannot use ${databaseProblem(this.dataDir, error)}`, { cause: error });
    }
  }

  create(name: string): CreatedKey {
    const trimmed = name.trim();
    if (!NAME_PATTERN.test(trimmed) || ID_PATTERN.test(trimmed)) {
      throw new KeyStoreError('A key name is 1 to 64 letters, digits, spaces or "_.@-", and must not look like a key id.');
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: KeyRow = { id: `k_${randomBytes(6).toString('hex')}`, name: trimmed, created_at: new Date().toISOString(), revoked_at: null };
    this.use(() => {
      try {
        this.db.prepare('INSERT INTO api_keys (id, name, digest, created_at) VALUES (?, ?, ?, ?)').run(row.id, row.name, hashKey(key), row.created_at);
      } catch (error) {
        if (/UNIQUE/.test((error as Error).message)) throw new KeyStoreError(`A key named "${trimmed}" already exists; revoke it or pick another name.`);
        throw error;
      }
    });
    return { ...toStoredKey(row), key };
  }

  /** Every key, revoked ones included, oldest first. */
  list(): StoredKey[] {
    return this.use(() => this.db.prepare<KeyRow>('SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id').all().map(toStoredKey));
  }

  /** Revokes the active key with this id or name. */
  revoke(nameOrId: string): StoredKey {
    const wanted = nameOrId.trim();
    return this.use(() => {
      const row = this.db
        .prepare<KeyRow>('SELECT id, name, created_at, revoked_at FROM api_keys WHERE revoked_at IS NULL AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1')
        .get(wanted, wanted, wanted);
      if (row === undefined) throw new KeyStoreError(`No active key has the id or name "${wanted}"; \`voxwire keys list\` shows them.`);
      const revokedAt = new Date().toISOString();
      this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(revokedAt, row.id);
      return toStoredKey({ ...row, revoked_at: revokedAt });
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toStoredKey(row: KeyRow): StoredKey {
  return { id: row.id, name: row.name, createdAt: row.created_at, revokedAt: row.revoked_at };
}
