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
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { databaseProblem, keyDatabasePath } from './store.js';
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
  readonly revoked: number;
}

export interface StoreVerifier extends KeyVerifier {
  /** Re-reads the database now (the timer does it every REFRESH_INTERVAL_MS). */
  refresh(): void;
  close(): void;
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
  const now = options.now ?? Date.now;
  let db: Database.Database | undefined;
  let rows: Database.Statement<KeyRow> | undefined;
  /** Once the file was read, its disappearing is a fault, never "no keys": that would open a protected server. */
  let seen = false;
  /** The inode read: a file replaced (a restored backup moved into place) is reopened, not read stale forever. */
  let openedInode = 0;
  let snapshot = read();
  let readAt = now();
  let problem: Error | undefined;

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
        rows = db.prepare<KeyRow>('SELECT id, name, digest, revoked_at IS NOT NULL AS revoked FROM api_keys');
      }
      const all = rows!.all();
      const active = all.filter((row) => row.revoked === 0).map((row) => ({ digest: row.digest, principal: { name: row.name, id: `store:${row.id}` } }));
      return { anyKey: all.length > 0, active, activeIds: new Set(active.map((entry) => entry.principal.id)) };
    } catch (error) {
      // Reopened on the next try: the file may have been replaced or repaired meanwhile.
      db?.close();
      db = undefined;
      rows = undefined;
      throw new KeyStoreUnavailable(`Cannot read ${databaseProblem(dataDir, error)}`, { cause: error });
    }
  }

  function refresh(): void {
    try {
      snapshot = read();
      readAt = now();
      if (problem !== undefined) {
        problem = undefined;
        options.onHealthChange?.(undefined);
      }
    } catch (error) {
      if (problem === undefined) options.onHealthChange?.(error as Error);
      problem = error as Error;
    }
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
    close() {
      clearInterval(timer);
      db?.close();
      db = undefined;
    },
  };
}
