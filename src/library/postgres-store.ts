/**
 * The voice library on PostgreSQL (`--database-url`), so every node of a cluster serves the same voices and
 * designs. Design samples are kept in the database too (bytea), so a sample URL answered by one node is served
 * by any other without a shared folder; a change of the voices is announced with NOTIFY, so every node re-reads
 * its voices at once (library.ts's refresh) instead of at its next poll.
 */
import { openStore, type SqlDatabase, type SqlExecutor } from '../storage/database.js';
import { listen } from '../storage/postgres.js';
import { changedRow, DESIGN_COLUMNS, designOf, designValues, LIBRARY_SCHEMA, VOICE_COLUMNS, voiceOf, voiceValues, type DesignRow, type VoiceRow } from './schema.js';
import type { DesignSamples, VoiceLibraryStore } from './store.js';

/** The channel a change of the voices is announced on, so every node re-reads them. */
export const LIBRARY_CHANGED_CHANNEL = 'voxwire_library_changed';

/** Opens (migrating first, under the advisory lock) the library in the database of `url`. */
export async function openPostgresLibrary(url: string): Promise<VoiceLibraryStore> {
  return postgresLibraryStore(await openStore({ kind: 'postgres', url }, LIBRARY_SCHEMA), url);
}

const placeholders = (count: number): string => Array.from({ length: count }, (_, k) => `$${k + 1}`).join(', ');

/** The store over `db` (opened with LIBRARY_SCHEMA); `url` for its LISTEN connection. */
function postgresLibraryStore(db: SqlDatabase, url: string): VoiceLibraryStore {
  /** Tells every node that the voices changed, inside the change's transaction (NOTIFY is sent on commit). */
  const announce = (tx: SqlExecutor): Promise<number> => tx.execute(`NOTIFY ${LIBRARY_CHANGED_CHANNEL}`);
  const samples: DesignSamples = {
    async put(designUuid, wavs) {
      await db.transaction(async (tx) => {
        await tx.execute('DELETE FROM design_samples WHERE design_uuid = $1', [designUuid]);
        for (const [index, wav] of wavs.entries()) await tx.execute('INSERT INTO design_samples (design_uuid, sample_index, wav) VALUES ($1, $2, $3)', [designUuid, index, wav]);
      });
    },
    async get(designUuid, index) {
      const [row] = await db.query<{ wav: Buffer }>('SELECT wav FROM design_samples WHERE design_uuid = $1 AND sample_index = $2', [designUuid, index]);
      return row?.wav;
    },
    async drop(designUuid) {
      await db.execute('DELETE FROM design_samples WHERE design_uuid = $1', [designUuid]);
    },
  };
  return {
    samples,
    watch: (onChange) => listen(url, LIBRARY_CHANGED_CHANNEL, onChange),
    async listVoices() {
      return (await db.query<VoiceRow>(`SELECT ${VOICE_COLUMNS} FROM voices ORDER BY created_at, uuid`)).map(voiceOf);
    },
    async insertVoice(voice) {
      await db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO voices (${VOICE_COLUMNS}) VALUES (${placeholders(13)})`, voiceValues(voice));
        await announce(tx);
      });
    },
    async updateVoice(uuid, changes) {
      return db.transaction(async (tx) => {
        const [row] = await tx.query<VoiceRow>(`SELECT ${VOICE_COLUMNS} FROM voices WHERE uuid = $1 FOR UPDATE`, [uuid]);
        if (row === undefined) return undefined;
        const next = changedRow(row, changes);
        await tx.execute('UPDATE voices SET name = $1, description = $2, spec = $3, settings = $4, updated_at = $5 WHERE uuid = $6', [next.name, next.description, next.spec, next.settings, next.updated_at, uuid]);
        await announce(tx);
        return voiceOf(next);
      });
    },
    async deleteVoice(uuid) {
      return db.transaction(async (tx) => {
        const deleted = (await tx.execute('DELETE FROM voices WHERE uuid = $1', [uuid])) > 0;
        if (deleted) await announce(tx);
        return deleted;
      });
    },
    async putDesign(design) {
      const updates = DESIGN_COLUMNS.split(', ').slice(1).map((column) => `${column} = EXCLUDED.${column}`).join(', ');
      await db.execute(`INSERT INTO designs (${DESIGN_COLUMNS}) VALUES (${placeholders(8)}) ON CONFLICT (uuid) DO UPDATE SET ${updates}`, designValues(design));
    },
    async getDesign(uuid) {
      const [row] = await db.query<DesignRow>(`SELECT ${DESIGN_COLUMNS} FROM designs WHERE uuid = $1`, [uuid]);
      return row === undefined ? undefined : designOf(row);
    },
    async listDesigns() {
      return (await db.query<DesignRow>(`SELECT ${DESIGN_COLUMNS} FROM designs ORDER BY created_at DESC, uuid`)).map(designOf);
    },
    async deleteDesign(uuid) {
      await db.transaction(async (tx) => {
        await tx.execute('DELETE FROM design_samples WHERE design_uuid = $1', [uuid]);
        await tx.execute('DELETE FROM designs WHERE uuid = $1', [uuid]);
      });
    },
    close: () => db.close(),
  };
}
