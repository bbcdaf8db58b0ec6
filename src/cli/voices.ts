/**
 * `voxwire voices [subcommand]`: the voice catalogue from the command line. Without a subcommand it lists the
 * voices; each subcommand is one entry of SUBCOMMANDS, so a new one (the library's create/rename/delete, the
 * neural models' pull/rescan) is one line here and a module of its own.
 */
import { listVoices } from '../voices/catalogue.js';
import { availableCommand, MODELS_USAGE, pullCommand, rescanCommand } from './models.js';

type Subcommand = (args: readonly string[]) => Promise<number>;

const SUBCOMMANDS: ReadonlyMap<string, Subcommand> = new Map<string, Subcommand>([
  ['list', listCommand],
  ['available', availableCommand],
  ['pull', pullCommand],
  ['rescan', rescanCommand],
]);

export const VOICES_USAGE = `  voxwire voices [list]                   list the voices
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

async function listCommand(): Promise<number> {
  for (const voice of listVoices()) console.log(`${voice.uuid}  ${voice.language.padEnd(6)} ${voice.gender.padEnd(6)} ${voice.engine.padEnd(9)} ${voice.name}`);
  return 0;
}
