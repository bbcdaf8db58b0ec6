/**
 * The PostgreSQL implementation of SqlDatabase (node-postgres' Pool). A connection that breaks is replaced by
 * the pool on the next query, so a database that comes back is used again without a restart; while it is
 * away, each query fails within CONNECT_TIMEOUT_MS instead of waiting.
 */
import pg from 'pg';
import { describePostgresUrl, type SqlDatabase, type SqlExecutor } from './database.js';

const CONNECT_TIMEOUT_MS = 2000;
/** A node needs few: the key refresh, its NOTIFY listener, and the CLI's or a request's occasional write. */
const POOL_SIZE = 4;

export function openPostgres(url: string): SqlDatabase {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 10_000 });
  // An idle connection the server closes (a restart) is reported here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const description = describePostgresUrl(url);
  const on = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    query: async <Row>(sql: string, parameters: readonly unknown[] = []) => (await client.query(sql, [...parameters])).rows as Row[],
    execute: async (sql, parameters = []) => (await client.query(sql, [...parameters])).rowCount ?? 0,
  });
  return {
    dialect: 'postgres',
    description,
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Calls `onNotify` for each NOTIFY on `channel`, on a connection of its own that is re-opened (every
 * RELISTEN_MS) while the database is away. Returns the function that stops listening.
 */
export function listen(url: string, channel: string, onNotify: () => void): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const RELISTEN_MS = 1000;
  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    next.on('error', () => undefined);
    next.on('end', () => {
      if (client === next) client = undefined;
      if (!stopped) schedule();
    });
    next.on('notification', onNotify);
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      if (stopped) return void (await next.end());
      client = next;
      // Whatever changed while no one listened is read now.
      onNotify();
    } catch {
      await next.end().catch(() => undefined);
      if (!stopped) schedule();
    }
  }
  function schedule(): void {
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), RELISTEN_MS);
    retry.unref();
  }
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
