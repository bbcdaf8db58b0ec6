/**
 * `voxwire keys create --name NAME | list | revoke <name-or-id>`: manages the key store in the data
 * directory, or in PostgreSQL with `--database-url` (the cluster's, so every node sees the change). The key
 * is printed once, on creation, and cannot be shown again.
 */
import { KeyStore, KeyStoreError, type StoredKey } from '../keys/store.js';
import type { StorageLocation } from '../storage/database.js';

const USAGE = `Usage:
  voxwire keys create --name NAME   create a key and print it (shown only this once)
  voxwire keys list                 list keys (names and ids, never the keys)
  voxwire keys revoke NAME_OR_ID    revoke a key; running servers refuse it within a second
Where: --data-dir DIR (SQLite, the default) or --database-url postgres://… (a cluster's shared database).`;

export interface KeysOutput {
  out(line: string): void;
  err(line: string): void;
}

const CONSOLE: KeysOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one keys subcommand on the store at `where` (a data folder, or a location); returns the exit code (0 ok, 1 refused, 2 usage). */
export async function runKeysCommand(args: string[], where: string | StorageLocation, output: KeysOutput = CONSOLE): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    output[command === undefined ? 'err' : 'out'](USAGE);
    return command === undefined ? 2 : 0;
  }
  const parsed = parseArguments(command, rest);
  if (typeof parsed === 'string') {
    output.err(`${parsed}\n${USAGE}`);
    return 2;
  }
  const store = await KeyStore.open(typeof where === 'string' ? { kind: 'sqlite', dataDir: where } : where);
  try {
    switch (parsed.command) {
      case 'create': {
        const created = await store.create(parsed.name);
        output.out(created.key);
        output.err(`Created key "${created.name}" (${created.id}). Store it now: it cannot be shown again.`);
        return 0;
      }
      case 'list':
        for (const line of formatList(await store.list())) output.out(line);
        return 0;
      case 'revoke': {
        const revoked = await store.revoke(parsed.target);
        output.out(`Revoked key "${revoked.name}" (${revoked.id}).`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof KeyStoreError) {
      output.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

type KeysArguments = { readonly command: 'create'; readonly name: string } | { readonly command: 'list' } | { readonly command: 'revoke'; readonly target: string };

/** The parsed subcommand, or a message saying what is wrong. */
function parseArguments(command: string, rest: readonly string[]): KeysArguments | string {
  switch (command) {
    case 'create': {
      const [flag, value, ...extra] = rest;
      const inline = flag?.startsWith('--name=') ? flag.slice('--name='.length) : undefined;
      const name = inline ?? (flag === '--name' ? value : undefined);
      if (!name || extra.length > 0 || (inline !== undefined && value !== undefined)) return '`keys create` needs exactly `--name NAME`.';
      return { command, name };
    }
    case 'list':
      return rest.length === 0 ? { command } : '`keys list` takes no arguments.';
    case 'revoke':
      return rest.length === 1 && rest[0] ? { command, target: rest[0] } : '`keys revoke` needs one key name or id.';
    default:
      return `Unknown keys command "${command}".`;
  }
}

function formatList(keys: readonly StoredKey[]): string[] {
  if (keys.length === 0) return ['No keys. Create one with `voxwire keys create --name NAME`.'];
  const rows = keys.map((key) => [key.id, key.name, key.createdAt, key.revokedAt === null ? 'active' : `revoked ${key.revokedAt}`]);
  const header = ['ID', 'NAME', 'CREATED', 'STATUS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
