/**
 * Types for the part of better-sqlite3 (v12) that the key store calls. The package ships no declarations;
 * names follow its documented API (docs/api.md).
 */
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      readonly changes: number;
      readonly lastInsertRowid: number | bigint;
    }
    interface Statement<Row> {
      run(...parameters: readonly unknown[]): RunResult;
      get(...parameters: readonly unknown[]): Row | undefined;
      all(...parameters: readonly unknown[]): Row[];
    }
    interface Options {
      readonly readonly?: boolean;
      readonly fileMustExist?: boolean;
      readonly timeout?: number;
    }
    interface Database {
      prepare<Row = unknown>(source: string): Statement<Row>;
      exec(source: string): this;
      pragma(source: string, options?: { readonly simple?: boolean }): unknown;
      transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
      close(): this;
      readonly open: boolean;
    }
  }
  const Database: new (filename: string, options?: Database.Options) => Database.Database;
  export default Database;
}
