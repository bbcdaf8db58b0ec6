/** `voxwire serve | say | voices | keys`: the command-line entry points. */
import { runKeysCommand } from './keys.js';
import { runSayCommand } from './say.js';
import { runServeCommand } from './serve.js';
import { runVoicesCommand, VOICES_USAGE } from './voices.js';
import { loadSettings } from '../config/settings.js';
import { storageLocation } from '../storage/database.js';

const USAGE = `voxwire — a self-hosted streaming text-to-speech server that speaks Resemble AI's API

Usage:
  voxwire serve [options]                 start the server (voxwire serve --help lists every setting)
  voxwire say "Hello there" -o hello.wav  synthesize to a file (voxwire say --help)
${VOICES_USAGE}
  voxwire keys create --name NAME | list | revoke NAME   manage API keys (--data-dir, --database-url)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServeCommand(rest);
    case 'say':
      return runSayCommand(rest);
    case 'voices':
      return runVoicesCommand(rest);
    case 'keys': {
      const [args, dataDirFlag] = takeFlag(rest, '--data-dir');
      const [keyArgs, databaseUrlFlag] = takeFlag(args, '--database-url');
      const defaults = loadSettings([]);
      return runKeysCommand(keyArgs, storageLocation(dataDirFlag ?? defaults.dataDir, databaseUrlFlag ?? defaults.databaseUrl));
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

/** `args` without `flag VALUE`, and the value (undefined when the flag is absent). */
function takeFlag(args: readonly string[], flag: string): [string[], string | undefined] {
  const at = args.indexOf(flag);
  if (at < 0) return [[...args], undefined];
  const value = args[at + 1];
  if (value === undefined) throw new Error(`${flag} needs a value.`);
  return [args.filter((_, i) => i !== at && i !== at + 1), value];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`voxwire: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
