/**
 * Every `voxwire` process a test spawns (server or CLI) runs as on a fresh machine, whatever the user running
 * `npm test` has set up: a data folder of its own instead of `~/.local/share/voxwire` (which may hold the
 * user's keys and would switch authentication on), and an environment without any `VOXWIRE_*` variable, so
 * neither the user's settings nor a `VOXWIRE_CONFIG` file reach it. Only what the test asks for is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bin/voxwire.js, the command users run. */
export const VOXWIRE_BIN = fileURLToPath(new URL('../../bin/voxwire.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildSandbox {
  /** The sandbox's own folder: the test may write its files here too; removed with the sandbox. */
  readonly folder: string;
  /** A fresh, empty folder for the child's key store (`--data-dir`). */
  readonly dataDir: string;
  /** The environment to spawn with. */
  readonly env: NodeJS.ProcessEnv;
  /** `bin/voxwire.js <command> ...args`, with `--data-dir` added for the commands that open the key store. */
  args(command: string, ...args: string[]): string[];
  /** Removes the folder (also done when the test process exits, for sandboxes a test did not remove). */
  remove(): void;
}

const open = new Set<string>();
process.once('exit', () => {
  for (const folder of open) rmSync(folder, { recursive: true, force: true });
});

/** The commands that always read `--data-dir` (say and the library subcommands of voices take it when a test gives it). */
const DATA_DIR_COMMANDS = new Set(['serve', 'keys']);

/** `inherited` without any VOXWIRE_* variable. */
export function withoutVoxwireVariables(inherited: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(inherited).filter(([name]) => !name.startsWith('VOXWIRE_')));
}

/**
 * A sandbox for one or more child processes: `set` is what the test wants in the child's environment, on top
 * of `inherited` stripped of VOXWIRE_*. XDG_DATA_HOME points into the sandbox too, so that even a command run
 * without `--data-dir` finds an empty default data folder rather than the user's.
 */
export function childSandbox(set: Readonly<Record<string, string>> = {}, inherited: NodeJS.ProcessEnv = process.env): ChildSandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), 'voxwire-child-'));
  open.add(root);
  const dataDir = path.join(root, 'data');
  const env = { ...withoutVoxwireVariables(inherited), XDG_DATA_HOME: path.join(root, 'xdg'), ...set };
  return {
    folder: root,
    dataDir,
    env,
    args(command, ...args) {
      const ownDataDir = args.some((arg) => arg === '--data-dir' || arg.startsWith('--data-dir='));
      return [VOXWIRE_BIN, command, ...(DATA_DIR_COMMANDS.has(command) && !ownDataDir ? ['--data-dir', dataDir] : []), ...args];
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
      open.delete(root);
    },
  };
}
