/**
 * The key store as the server sees it: the digests of the database held in memory and re-read every second,
 * so verifying a key never touches the database on the event loop's hot path, and a key created or revoked
 * by the CLI (another process) takes effect within a second.
 *
 * The server only reads: it opens the database read-only with no busy timeout, so a read-only data dir
 * serves, and a database another process holds locked (or a corrupted file) costs one failed read a second,
 * never a blocked event loop. While the database cannot be read the last digests read stay in use for
 * STALE_LIMIT_MS (a CLI's write holds its lock for milliseconds); past that, verification throws
 * KeyStoreUnavailable, which the transports answer with 503 or close 1011.
 *
 * On PostgreSQL (`--database-url`, a cluster's nodes) the same snapshot is re-read every second over the
 * network, and at once when the CLI announces a change (NOTIFY): a key revoked at one node is refused by
 * every node well within the second.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openStore } from '../storage/database.js';
import { listen } from '../storage/postgres.js';
import { databaseProblem, KEY_SCHEMA, KEYS_CHANGED_CHANNEL, keyDatabasePath } from './store.js';
import { hashKey, matchDigest, type KeyVerifier, type Principal } from './verifier.js';

/** How often the digests are re-read: a revoked key stops working within this (plus the socket sweep). */
export const REFRESH_INTERVAL_MS = 1000;
/** How long the last digests read stay trusted while the database cannot be read. */
export const STALE_LIMIT_MS = 3000;

/** The key database cannot be read now; the message names the file and `--data-dir`. */
export class KeyStoreUnavailable extends Error {
  override readonly name = 'KeyStoreUnavailable';
}

interface Snapshot {
  /** Whether any key, revoked ones included, exists: then every request must authenticate. */
  readonly anyKey: boolean;
  readonly active: readonly { readonly digest: Buffer; readonly principal: Principal }[];
  readonly activeIds: ReadonlySet<string>;
}

interface KeyRow {
  readonly id: string;
  readonly name: string;
  readonly digest: Buffer;
  /** SQLite answers 0 or 1, PostgreSQL a boolean. */
  readonly revoked: number | boolean;
}

const KEY_ROWS = 'SELECT id, name, digest, revoked_at IS NOT NULL AS revoked FROM api_keys';

function snapshotOf(all: readonly KeyRow[]): Snapshot {
  const active = all.filter((row) => !row.revoked).map((row) => ({ digest: row.digest, principal: { name: row.name, id: `store:${row.id}` } }));
  return { anyKey: all.length > 0, active, activeIds: new Set(active.map((entry) => entry.principal.id)) };
}

export interface StoreVerifier extends KeyVerifier {
  /** Re-reads the database now (the timer does it every REFRESH_INTERVAL_MS); on SQLite before returning. */
  refresh(): void;
  close(): Promise<void>;
}

export interface StoreVerifierOptions {
  /** Told when the database stops (an Error naming the file) or starts again (undefined) being readable. */
  readonly onHealthChange?: (problem: Error | undefined) => void;
  /** Clock, for tests of staleness. */
  readonly now?: () => number;
}

const EMPTY: Snapshot = { anyKey: false, active: [], activeIds: new Set() };

/**
 * Reads the key database of `dataDir` once (throwing, with the file and `--data-dir` named, when that fails:
 * a server must not start on keys it cannot read) and keeps it fresh from then on.
 */
export function openStoreVerifier(dataDir: string, options: StoreVerifierOptions = {}): StoreVerifier {
  const file = keyDatabasePath(dataDir);
  let db: Database.Database | undefined;
  let rows: Database.Statement<KeyRow> | undefined;
  /** Once the file was read, its disappearing is a fault, never "no keys": that would open a protected server. */
  let seen = false;
  /** The inode read: a file replaced (a restored backup moved into place) is reopened, not read stale forever. */
  let openedInode = 0;

  function read(): Snapshot {
    try {
      const stat = statSync(file, { throwIfNoEntry: false });
      if (stat === undefined) {
        // No database yet: no stored key. The CLI creates it; the next refresh opens it.
        if (!seen) return EMPTY;
        throw new Error('the file is gone');
      }
      if (db !== undefined && stat.ino !== openedInode) {
        db.close();
        db = undefined;
      }
      if (db === undefined) {
        db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
        openedInode = stat.ino;
        seen = true;
        rows = db.prepare<KeyRow>(KEY_ROWS);
      }
      return snapshotOf(rows!.all());
    } catch (error) {
      // Reopened on the next try: the file may have been replaced or repaired meanwhile.
      db?.close();
      db = undefined;
      rows = undefined;
      throw new KeyStoreUnavailable(`Cannot read ${databaseProblem(dataDir, error)}`, { cause: error });
    }
  }

  return keepFresh(read(), read, options, async () => {
    db?.close();
    db = undefined;
  });
}

/**
 * The key table on PostgreSQL (migrated first, so the first node of a cluster creates it): read once (a
 * failure stops the start, naming the database), then re-read every second and whenever a change is announced.
 */
export async function openPostgresStoreVerifier(url: string, options: StoreVerifierOptions = {}): Promise<StoreVerifier> {
  const db = await openStore({ kind: 'postgres', url }, KEY_SCHEMA);
  async function read(): Promise<Snapshot> {
    try {
      return snapshotOf(await db.query<KeyRow>(KEY_ROWS));
    } catch (error) {
      throw new KeyStoreUnavailable(`Cannot read the keys in ${db.description}: ${(error as Error).message}`, { cause: error });
    }
  }
  let first: Snapshot;
  try {
    first = await read();
  } catch (error) {
    await db.close();
    throw error;
  }
  let verifier: StoreVerifier | undefined;
  const unlisten = listen(url, KEYS_CHANGED_CHANNEL, () => verifier?.refresh());
  verifier = keepFresh(first, read, options, async () => {
    await unlisten();
    await db.close();
  });
  return verifier;
}

/** The verifier over a snapshot that `read` renews; a read that fails leaves the last one in use for STALE_LIMIT_MS. */
function keepFresh(first: Snapshot, read: () => Snapshot | Promise<Snapshot>, options: StoreVerifierOptions, release: () => Promise<void>): StoreVerifier {
  const now = options.now ?? Date.now;
  let snapshot = first;
  let readAt = now();
  let problem: Error | undefined;
  /** One read at a time: a NOTIFY arriving during the timer's read is answered by a read right after it. */
  let reading: Promise<void> | undefined;
  let again = false;

  function settle(next: Snapshot | undefined, error: unknown): void {
    if (next !== undefined) {
      snapshot = next;
      readAt = now();
      if (problem !== undefined) {
        problem = undefined;
        options.onHealthChange?.(undefined);
      }
      return;
    }
    if (problem === undefined) options.onHealthChange?.(error as Error);
    problem = error as Error;
  }

  function refresh(): void {
    if (reading !== undefined) {
      again = true;
      return;
    }
    let result: Snapshot | Promise<Snapshot>;
    try {
      result = read();
    } catch (error) {
      return settle(undefined, error);
    }
    if (!(result instanceof Promise)) return settle(result, undefined);
    reading = result.then(
      (next) => settle(next, undefined),
      (error: unknown) => settle(undefined, error),
    ).finally(() => {
      reading = undefined;
      if (again) {
        again = false;
        refresh();
      }
    });
  }

  function current(): Snapshot {
    if (problem !== undefined && now() - readAt > STALE_LIMIT_MS) throw problem;
    return snapshot;
  }

  const timer = setInterval(refresh, REFRESH_INTERVAL_MS);
  timer.unref();

  return {
    hasKeys: () => snapshot.anyKey,
    verify: (key) => matchDigest(current().active, hashKey(key)),
    revoked: (principal) => principal.id.startsWith('store:') && problem === undefined && !snapshot.activeIds.has(principal.id),
    refresh,
    async close() {
      clearInterval(timer);
      await reading;
      await release();
    },
  };
}
