/**
 * `voxwire voices [subcommand]`: the voice catalogue from the command line. Without a subcommand it lists the
 * voices; each subcommand is one entry of SUBCOMMANDS, so a new one (the library's create/rename/delete, the
 * neural models' pull/rescan) is one line here and a module of its own.
 */
import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings.js';
import { addLibraryVoices } from '../library/library.js';
import { VoiceCatalogue } from '../voices/catalogue.js';
import { createCommand, deleteCommand, LIBRARY_USAGE, renameCommand } from './voices-library.js';
import { availableCommand, MODELS_USAGE, pullCommand, rescanCommand } from './models.js';

type Subcommand = (args: readonly string[]) => Promise<number>;

const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['list', listCommand],
  ['create', createCommand],
  ['rename', renameCommand],
  ['delete', deleteCommand],
  ['available', availableCommand],
  ['pull', pullCommand],
  ['rescan', rescanCommand],
]);

export const VOICES_USAGE = `  voxwire voices [list] [--data-dir DIR]  list the voices (built-in, then the library's)
${LIBRARY_USAGE}
${MODELS_USAGE}`;

export async function runVoicesCommand(args: readonly string[]): Promise<number> {
  const [name = 'list', ...rest] = args;
  const subcommand = SUBCOMMANDS.get(name);
  if (subcommand === undefined) {
    console.error(`voxwire voices: unknown subcommand "${name}".\n\n${VOICES_USAGE}`);
    return 2;
  }
  return subcommand(rest);
}

/** Built-in voices, then those of the data folder's library (`--data-dir DIR`, else the default folder). */
async function listCommand(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { 'data-dir': { type: 'string' } } });
  const catalogue = new VoiceCatalogue();
  await addLibraryVoices(values['data-dir'] ?? loadSettings([]).dataDir, catalogue);
  for (const voice of catalogue.list()) console.log(`${voice.uuid}  ${voice.language.padEnd(6)} ${voice.gender.padEnd(6)} ${voice.engine.padEnd(9)} ${voice.name}`);
  return 0;
}
