/**
 * `voxwire voices create|rename|delete`: the voice library of a data folder (or, with `--database-url`, of a
 * cluster's PostgreSQL database) from the command line. A running server on the same folder sees the change
 * within about 2 seconds (it reads the library again); the nodes on the same database at once (NOTIFY).
 */
import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings.js';
import { LibraryRefusal, openOfflineLibrary, parseSettings, type VoiceLibrary } from '../library/library.js';
import { catalogueError } from '../protocol/errors.js';
import { storageLocation } from '../storage/database.js';
import { VoiceCatalogue, type Voice } from '../voices/catalogue.js';

export const LIBRARY_USAGE = `  voxwire voices create NAME [--base VOICE] [--language TAG] [--pitch=ST] [--rate X] [--volume X] [--description TEXT]
  voxwire voices rename VOICE NEW_NAME    VOICE: a library voice's uuid or name
  voxwire voices delete VOICE             (each takes --data-dir DIR or --database-url URL)`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  base: { type: 'string' },
  language: { type: 'string' },
  pitch: { type: 'string' },
  rate: { type: 'string' },
  volume: { type: 'string' },
  description: { type: 'string' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;

/** Opens the library (the data folder's, or the database's), runs `work`, and turns refusals into messages and exit codes. */
async function withLibrary(args: readonly string[], work: (library: VoiceLibrary, catalogue: VoiceCatalogue, parsed: Parsed) => Promise<string>): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    console.error(`voxwire voices: ${(error as Error).message}\n${LIBRARY_USAGE}`);
    return 2;
  }
  const catalogue = new VoiceCatalogue();
  const defaults = loadSettings([]);
  const location = storageLocation(parsed.values['data-dir'] ?? defaults.dataDir, parsed.values['database-url'] ?? defaults.databaseUrl);
  const library = await openOfflineLibrary(location, catalogue);
  try {
    console.log(await work(library, catalogue, parsed));
    return 0;
  } catch (error) {
    const refusal = error instanceof LibraryRefusal ? error : catalogueError(error);
    if (refusal !== undefined) {
      console.error(`voxwire voices: ${refusal.message}`);
      return 1;
    }
    throw error;
  } finally {
    await library.close();
  }
}

/** A voice by uuid, else by exact name (case-insensitive), else by name prefix. */
function pick(catalogue: VoiceCatalogue, query: string, libraryOnly: boolean): Voice | undefined {
  const voices = catalogue.list().filter((voice) => !libraryOnly || voice.library !== undefined);
  const lower = query.toLowerCase();
  return (
    voices.find((voice) => voice.uuid === lower) ??
    voices.find((voice) => voice.name.toLowerCase() === lower) ??
    voices.find((voice) => voice.name.toLowerCase().startsWith(lower))
  );
}

function describe(voice: Voice): string {
  return `${voice.uuid}  ${voice.language.padEnd(6)} ${voice.gender.padEnd(6)} ${voice.engine.padEnd(9)} ${voice.name}`;
}

function numberOption(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

export function createCommand(args: readonly string[]): Promise<number> {
  return withLibrary(args, async (library, catalogue, { values, positionals }) => {
    const name = positionals.join(' ');
    const base = values.base === undefined ? undefined : pick(catalogue, values.base, false);
    if (values.base !== undefined && base === undefined) throw new LibraryRefusal(422, `No voice matches "${values.base}"; \`voxwire voices\` lists them.`);
    const raw = { pitch: numberOption(values.pitch), rate: numberOption(values.rate), volume: numberOption(values.volume) };
    const settings = parseSettings(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
    const voice = await library.create({
      name,
      ...(base === undefined ? {} : { baseVoiceUuid: base.uuid }),
      ...(values.language === undefined ? {} : { language: values.language }),
      ...(values.description === undefined ? {} : { description: values.description }),
      ...(settings === undefined ? {} : { settings }),
    });
    return describe(voice);
  });
}

export function renameCommand(args: readonly string[]): Promise<number> {
  return withLibrary(args, async (library, catalogue, { positionals }) => {
    const [query = '', ...name] = positionals;
    const voice = pick(catalogue, query, true);
    if (voice === undefined) throw new LibraryRefusal(422, `No library voice matches "${query}".`);
    return describe(await library.update(voice.uuid, { name: name.join(' ') }));
  });
}

export function deleteCommand(args: readonly string[]): Promise<number> {
  return withLibrary(args, async (library, catalogue, { positionals }) => {
    const query = positionals.join(' ');
    const voice = pick(catalogue, query, true);
    if (voice === undefined) throw new LibraryRefusal(422, `No library voice matches "${query}".`);
    await library.remove(voice.uuid);
    return `Deleted ${describe(voice)}`;
  });
}
