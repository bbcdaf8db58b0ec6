/**
 * The stores' database, one suite over both back ends (SQLite in a data folder, PostgreSQL from Debian's
 * package): versioned migrations that run once, also when two processes start on an empty database at the
 * same moment; a second store registering its own migrations; the key store and the server's key verifier
 * behaving the same on either, through the API and through the `voxwire keys` command.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openPostgresStoreVerifier, openStoreVerifier, type StoreVerifier } from '../../src/keys/store-verifier.js';
import { ConfigError, loadSettings } from '../../src/config/settings.js';
import { KEY_SCHEMA, KeyStore, KeyStoreError } from '../../src/keys/store.js';
import { openStore, type SqlDatabase, type StorageLocation } from '../../src/storage/database.js';
import { migrate, type StoreSchema } from '../../src/storage/migrations.js';
import { childSandbox } from '../support/child-env.js';
import { startPostgres, type PostgresServer } from '../support/cluster.js';

const run = promisify(execFile);

interface Backend {
  readonly name: string;
  /** A fresh, empty location. */
  fresh(): Promise<StorageLocation>;
  verifier(location: StorageLocation): Promise<StoreVerifier>;
  /** The CLI flag naming the location. */
  flag(location: StorageLocation): string[];
}

let postgres: PostgresServer;
let databases = 0;
const folders: string[] = [];

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    async fresh() {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'voxwire-storage-'));
      folders.push(dataDir);
      return { kind: 'sqlite', dataDir };
    },
    verifier: async (location) => openStoreVerifier((location as { dataDir: string }).dataDir),
    flag: (location) => ['--data-dir', (location as { dataDir: string }).dataDir],
  },
  {
    name: 'PostgreSQL',
    async fresh() {
      const name = `storage_${(databases += 1)}`;
      await postgres.createDatabase(name);
      return { kind: 'postgres', url: postgres.urlOf(name) };
    },
    verifier: async (location) => openPostgresStoreVerifier((location as { url: string }).url),
    flag: (location) => ['--database-url', (location as { url: string }).url],
  },
];

before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.remove();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A second store, as the voice library will be: its own migrations, on either back end. */
const NOTES_V1: StoreSchema = {
  name: 'notes',
  sqliteFile: 'notes.sqlite',
  migrations: [{ version: 1, sqlite: 'CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)', postgres: 'CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)' }],
};
const NOTES_V2: StoreSchema = {
  ...NOTES_V1,
  migrations: [
    ...NOTES_V1.migrations,
    { version: 2, sqlite: 'ALTER TABLE notes ADD COLUMN author TEXT; UPDATE notes SET author = \'unknown\'', postgres: 'ALTER TABLE notes ADD COLUMN author TEXT; UPDATE notes SET author = \'unknown\'' },
  ],
};

async function ledger(db: SqlDatabase, store: string): Promise<number[]> {
  return (await db.query<{ version: number }>('SELECT version FROM voxwire_migrations WHERE store = $1 ORDER BY version', [store])).map((row) => Number(row.version));
}

for (const backend of BACKENDS) {
  describe(`storage on ${backend.name}`, () => {
    it('runs each migration once, records it, and applies only what a newer release adds', async () => {
      const location = await backend.fresh();
      const first = await openStore(location, NOTES_V1);
      try {
        assert.deepEqual(await ledger(first, 'notes'), [1]);
        await first.execute('INSERT INTO notes (id, body) VALUES ($1, $2)', ['a', 'kept across the upgrade']);
        assert.deepEqual(await migrate(first, NOTES_V1), [], 'nothing left to run');
        assert.deepEqual(await migrate(first, NOTES_V2), [2], 'the new version only');
        assert.deepEqual(await ledger(first, 'notes'), [1, 2]);
        assert.deepEqual(await first.query('SELECT id, body, author FROM notes'), [{ id: 'a', body: 'kept across the upgrade', author: 'unknown' }]);
      } finally {
        await first.close();
      }
    });

    it('a failing migration changes nothing: the transaction is rolled back, the version not recorded', async () => {
      const location = await backend.fresh();
      const broken: StoreSchema = { ...NOTES_V1, migrations: [...NOTES_V1.migrations, { version: 2, sqlite: 'ALTER TABLE notes ADD COLUMN x TEXT; THIS IS NOT SQL', postgres: 'ALTER TABLE notes ADD COLUMN x TEXT; THIS IS NOT SQL' }] };
      await assert.rejects(openStore(location, broken), /syntax error/);
      const db = await openStore(location, NOTES_V1);
      try {
        assert.deepEqual(await ledger(db, 'notes'), [1]);
        // Column x was rolled back with the rest: version 2 of NOTES_V2 adds `author` to the table as v1 made it.
        assert.deepEqual(await migrate(db, NOTES_V2), [2]);
        await assert.rejects(db.query('SELECT x FROM notes'), /x/);
      } finally {
        await db.close();
      }
    });

    it('keys: created, listed, refused twice by name, revoked by id or name; the table holds digests only', async () => {
      const location = await backend.fresh();
      const store = await KeyStore.open(location);
      try {
        const first = await store.create('agent');
        const second = await store.create('other one');
        await assert.rejects(store.create('agent'), (error: Error) => error instanceof KeyStoreError && /already exists/.test(error.message));
        assert.deepEqual((await store.list()).map((key) => [key.name, key.revokedAt]), [['agent', null], ['other one', null]]);
        assert.equal((await store.revoke(first.id)).name, 'agent');
        assert.equal((await store.revoke('other one')).id, second.id);
        await assert.rejects(store.revoke('agent'), (error: Error) => error instanceof KeyStoreError && /No active key/.test(error.message));
        assert.ok((await store.list()).every((key) => key.revokedAt !== null));
        // A revoked name is free again.
        await store.create('agent');
      } finally {
        await store.close();
      }
      const db = await openStore(location, KEY_SCHEMA);
      try {
        const rows = await db.query<{ digest: Buffer }>('SELECT digest FROM api_keys');
        assert.equal(rows.length, 3);
        for (const row of rows) assert.equal(Buffer.from(row.digest).length, 32, 'a SHA-256 digest, never the key');
      } finally {
        await db.close();
      }
    });

    it('the server\'s verifier reads the keys, then sees a new key and a revocation on its next refresh', async () => {
      const location = await backend.fresh();
      const store = await KeyStore.open(location);
      const verifier = await backend.verifier(location);
      try {
        const created = await store.create('reader');
        verifier.refresh();
        await waitFor(() => verifier.verify(created.key) !== undefined);
        const principal = verifier.verify(created.key)!;
        assert.deepEqual(principal, { name: 'reader', id: `store:${created.id}` });
        assert.equal(verifier.verify(`${created.key}x`), undefined);
        assert.equal(verifier.revoked(principal), false);
        await store.revoke('reader');
        verifier.refresh();
        await waitFor(() => verifier.revoked(principal));
        assert.equal(verifier.verify(created.key), undefined);
        assert.equal(verifier.hasKeys(), true, 'a revoked key still means the server requires keys');
      } finally {
        await verifier.close();
        await store.close();
      }
    });

    it('`voxwire keys` works on it, and two processes starting on an empty database at once both succeed (migrations once)', async () => {
      const location = await backend.fresh();
      const sandbox = childSandbox();
      try {
        const cli = (...args: string[]) => run(process.execPath, sandbox.args('keys', ...backend.flag(location), ...args), { env: sandbox.env });
        const [a, b] = await Promise.all([cli('create', '--name', 'first'), cli('create', '--name', 'second')]);
        const listed = (await cli('list')).stdout;
        assert.match(listed, /\bfirst\b.*active/);
        assert.match(listed, /\bsecond\b.*active/);
        const db = await openStore(location, KEY_SCHEMA);
        try {
          assert.deepEqual(await ledger(db, 'keys'), [1], 'the key table was made once');
          const digests = (await db.query<{ digest: Buffer }>('SELECT digest FROM api_keys ORDER BY name')).map((row) => Buffer.from(row.digest).toString('hex'));
          const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
          assert.deepEqual(digests, [sha(a.stdout.trim()), sha(b.stdout.trim())]);
        } finally {
          await db.close();
        }
      } finally {
        sandbox.remove();
      }
    });
  });
}

describe('the cluster settings', () => {
  it('take postgres:// and redis:// URLs, and refuse others without echoing them (a URL may hold a password)', () => {
    const settings = loadSettings(['--database-url', 'postgresql://u:pw@db/voxwire', '--redis-url', 'redis://cache:6379'], {});
    assert.deepEqual([settings.databaseUrl, settings.redisUrl], ['postgresql://u:pw@db/voxwire', 'redis://cache:6379']);
    assert.throws(() => loadSettings(['--database-url', 'mysql://u:secret@db/voxwire'], {}), (error: Error) => error instanceof ConfigError && /--database-url must be a postgres:\/\//.test(error.message) && !error.message.includes('secret'));
    assert.throws(() => loadSettings([], { VOXWIRE_REDIS_URL: 'http://cache' }), (error: Error) => error instanceof ConfigError && /VOXWIRE_REDIS_URL must be a redis:\/\//.test(error.message));
  });
});

/** Polls `check` (the PostgreSQL verifier reads asynchronously) for up to 10 s. */
async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
