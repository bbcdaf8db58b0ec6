/** `voxwire serve | say | voices | keys`: the command-line entry points. */
import { runKeysCommand } from './keys.js';
import { runSayCommand } from './say.js';
import { runServeCommand } from './serve.js';
import { runVoicesCommand, VOICES_USAGE } from './voices.js';
import { loadSettings } from '../config/settings.js';

const USAGE = `voxwire — a self-hosted streaming text-to-speech server that speaks Resemble AI's API

Usage:
  voxwire serve [options]                 start the server (voxwire serve --help lists every setting)
  voxwire say "Hello there" -o hello.wav  synthesize to a file (voxwire say --help)
${VOICES_USAGE}
  voxwire keys create --name NAME | list | revoke NAME   manage API keys`;

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
      const dataDirFlag = rest.indexOf('--data-dir');
      const args = dataDirFlag >= 0 ? rest.filter((_, i) => i !== dataDirFlag && i !== dataDirFlag + 1) : rest;
      const dataDir = dataDirFlag >= 0 ? rest[dataDirFlag + 1] : loadSettings([]).dataDir;
      if (dataDir === undefined) throw new Error('--data-dir needs a value.');
      return runKeysCommand(args, dataDir);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`voxwire: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
