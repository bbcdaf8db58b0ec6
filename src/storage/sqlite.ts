/**
 * The SQLite implementation of SqlDatabase (better-sqlite3): synchronous calls behind the async interface.
 * The file is created readable by its owner only. Transactions are queued, so two callers of one handle never
 * interleave their statements.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase, SqlExecutor } from './database.js';

/**
 * `$n` → `?` with the values in the order they appear (better-sqlite3 takes no numbered parameters), so a
 * value used twice (`$1 … $1`) is passed twice. Statements are few and short: no cache needed.
 */
function toSqlite(sql: string, parameters: readonly unknown[]): [string, unknown[]] {
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    values.push(parameters[Number(n) - 1]);
    return '?';
  });
  return [text, values];
}

export function openSqlite(dataDir: string, fileName: string): SqlDatabase {
  const file = path.join(dataDir, fileName);
  const description = `the database ${file} (${fileName} in --data-dir ${dataDir})`;
  let db: Database.Database;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file, { timeout: 5000 });
    chmodSync(file, 0o600);
  } catch (error) {
    throw new Error(`Cannot open ${description}: ${(error as Error).message}`, { cause: error });
  }
  const executor: SqlExecutor = {
    async query<Row>(sql: string, parameters: readonly unknown[] = []) {
      const [text, values] = toSqlite(sql, parameters);
      return db.prepare<Row>(text).all(...values);
    },
    async execute(sql, parameters = []) {
      const [text, values] = toSqlite(sql, parameters);
      return db.prepare(text).run(...values).changes;
    },
  };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    dialect: 'sqlite',
    description,
    ...executor,
    transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(executor);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      if (db.open) db.close();
    },
  };
}
