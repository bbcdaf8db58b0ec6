/**
 * The stores' database, one suite over both back ends (SQLite in a data folder, PostgreSQL from Debian's
 * package): versioned migrations that run once, also when two processes start on an empty database at the
 * same moment; a second store registering its own migrations; the key store and the server's key verifier
 * behaving the same on either, through the API and through the `voxwire keys` command; the voice library's
 * store (voices, designs, and on PostgreSQL the design samples and the change announcements).
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
import { openPostgresLibrary } from '../../src/library/postgres-store.js';
import { openSqliteLibrary } from '../../src/library/sqlite-store.js';
import type { DesignRecord, LibraryVoiceRecord, VoiceLibraryStore } from '../../src/library/store.js';
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
  library(location: StorageLocation): Promise<VoiceLibraryStore>;
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
    library: async (location) => openSqliteLibrary((location as { dataDir: string }).dataDir),
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
    library: (location) => openPostgresLibrary((location as { url: string }).url),
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

function voiceRecord(uuid: string, name: string, createdAt: string): LibraryVoiceRecord {
  return {
    uuid,
    name,
    description: null,
    language: 'en-GB',
    gender: 'female',
    engine: 'espeak-ng',
    spec: { id: 'en-gb', pitch: 60 },
    baseSpec: { id: 'en-gb' },
    settings: { pitch: 2 },
    design: { designUuid: '00000000-0000-5000-8000-000000000001', sampleIndex: 1, prompt: 'a british woman' },
    filters: { gender: 'female', accents: ['en-GB'], tone: [] },
    createdAt,
    updatedAt: createdAt,
  };
}

function designRecord(uuid: string, prompt: string, createdAt: string): DesignRecord {
  return {
    uuid,
    prompt,
    engine: 'espeak-ng',
    candidates: [0, 1, 2].map((k) => ({ language: 'en-GB', gender: 'female' as const, spec: { id: 'en-gb', pitch: 50 + k } })),
    matched: ['woman'],
    ignored: ['with a hat'],
    filters: { gender: 'female', accents: ['en-GB'] },
    createdAt,
  };
}

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

for (const backend of BACKENDS) {
  describe(`the voice library's store on ${backend.name}`, () => {
    it('keeps voices (oldest first) across a reopen, changes and deletes them, and says when the uuid is unknown', async () => {
      const location = await backend.fresh();
      const first = voiceRecord('11111111-1111-4111-8111-111111111111', 'Older', '2026-01-01T00:00:00.000Z');
      const second = voiceRecord('22222222-2222-4222-8222-222222222222', 'Newer', '2026-01-02T00:00:00.000Z');
      const store = await backend.library(location);
      try {
        await store.insertVoice(second);
        await store.insertVoice(first);
        assert.deepEqual(await store.listVoices(), [first, second], 'every field read back as written, oldest first');
        const changed = await store.updateVoice(first.uuid, { name: 'Renamed', description: 'now described', settings: { rate: 1.5 }, spec: { id: 'en-gb', speed: 260 }, updatedAt: '2026-01-03T00:00:00.000Z' });
        assert.deepEqual(changed, { ...first, name: 'Renamed', description: 'now described', settings: { rate: 1.5 }, spec: { id: 'en-gb', speed: 260 }, updatedAt: '2026-01-03T00:00:00.000Z' });
        assert.equal(await store.updateVoice('33333333-3333-4333-8333-333333333333', { name: 'x', updatedAt: '2026-01-03T00:00:00.000Z' }), undefined);
        assert.equal(await store.deleteVoice(second.uuid), true);
        assert.equal(await store.deleteVoice(second.uuid), false);
      } finally {
        await store.close();
      }
      const reopened = await backend.library(location);
      try {
        assert.deepEqual((await reopened.listVoices()).map((voice) => [voice.name, voice.description]), [['Renamed', 'now described']]);
      } finally {
        await reopened.close();
      }
    });

    it('keeps designs (newest first), replaces one of the same uuid, and deletes it; samples are rows on PostgreSQL only', async () => {
      const store = await backend.library(await backend.fresh());
      try {
        const older = designRecord('44444444-4444-5444-8444-444444444444', 'a british woman', '2026-01-01T00:00:00.000Z');
        const newer = designRecord('55555555-5555-5555-8555-555555555555', 'a deep man', '2026-01-02T00:00:00.000Z');
        await store.putDesign(older);
        await store.putDesign(newer);
        const replaced = { ...older, matched: ['british', 'woman'], createdAt: '2026-01-03T00:00:00.000Z' };
        await store.putDesign(replaced);
        assert.deepEqual(await store.listDesigns(), [replaced, newer]);
        assert.deepEqual(await store.getDesign(newer.uuid), newer);
        assert.equal(await store.getDesign('66666666-6666-5666-8666-666666666666'), undefined);
        if (backend.name === 'SQLite') {
          assert.equal(store.samples, undefined, 'SQLite leaves the samples to files in the data folder');
        } else {
          const wavs = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(70_000, 7), Buffer.from('RIFF')];
          await store.samples!.put(newer.uuid, wavs);
          for (const [index, wav] of wavs.entries()) assert.ok((await store.samples!.get(newer.uuid, index))?.equals(wav), `sample ${index} byte for byte`);
          assert.equal(await store.samples!.get(newer.uuid, 3), undefined);
          await store.deleteDesign(newer.uuid);
          assert.equal(await store.samples!.get(newer.uuid, 0), undefined, 'the samples go with their design');
        }
        await store.deleteDesign(replaced.uuid);
        assert.deepEqual((await store.listDesigns()).map((design) => design.uuid), backend.name === 'SQLite' ? [newer.uuid] : []);
      } finally {
        await store.close();
      }
    });

    it('announces a change of the voices to every other store on the database (PostgreSQL); SQLite servers poll', async () => {
      const location = await backend.fresh();
      const writer = await backend.library(location);
      const reader = await backend.library(location);
      try {
        if (backend.name === 'SQLite') {
          assert.equal(reader.watch, undefined);
          return;
        }
        let calls = 0;
        let listening!: () => void;
        const started = new Promise<void>((resolve) => (listening = resolve));
        const stop = reader.watch!(() => {
          calls += 1;
          listening();
        });
        try {
          // The first call says it listens (whatever changed before is read then).
          await started;
          const before = calls;
          await writer.insertVoice(voiceRecord('77777777-7777-4777-8777-777777777777', 'Announced', '2026-01-01T00:00:00.000Z'));
          await waitFor(() => calls > before);
          const afterInsert = calls;
          await writer.updateVoice('77777777-7777-4777-8777-777777777777', { name: 'Renamed', updatedAt: '2026-01-02T00:00:00.000Z' });
          await waitFor(() => calls > afterInsert);
          const afterUpdate = calls;
          await writer.deleteVoice('77777777-7777-4777-8777-777777777777');
          await waitFor(() => calls > afterUpdate);
        } finally {
          await stop();
        }
        assert.deepEqual(await postgres.sql("SELECT store, version FROM voxwire_migrations WHERE store = 'library'", (location as { url: string }).url.split('/').pop()), ['library|1']);
      } finally {
        await reader.close();
        await writer.close();
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
