/**
 * `voxwire voices rescan | available | pull`: the neural models from the command line. A running server is
 * told to pick up what changed by `POST /admin/voices/rescan` on its HTTP port (`--server`, default the
 * address the settings give: `VOXWIRE_HOST`/`VOXWIRE_PORT` or the config file), authenticated with
 * `--api-key` / `VOXWIRE_API_KEY` or the first of the configured keys; `kill -HUP <pid>` does the same.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings } from '../config/settings.js';
import { DEFAULT_VOICES_URL, fetchCatalogue, speaksLanguage } from '../voices/piper-catalogue.js';
import { ChecksumError, piperFolder, pullVoice } from '../voices/pull.js';
import { uuidV5, VOICE_NAMESPACE } from '../voices/catalogue.js';
import { progressBar } from './progress.js';

export const MODELS_USAGE = `  voxwire voices available                the Piper catalogue's voices (--language en, --voices-url URL)
  voxwire voices pull KEY                 install a Piper voice and tell the server (--data-dir DIR, --voices-url URL)
  voxwire voices rescan                   make a running server scan its models (--server URL, --api-key KEY)`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  'voices-url': { type: 'string' },
  language: { type: 'string' },
  server: { type: 'string' },
  'api-key': { type: 'string' },
} as const;

interface ModelArgs {
  readonly positionals: readonly string[];
  readonly dataDir: string;
  readonly voicesUrl: string;
  readonly language: string | undefined;
  readonly server: string;
  readonly apiKey: string | undefined;
}

function modelArgs(args: readonly string[]): ModelArgs {
  const { values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  const settings = loadSettings([]);
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  return {
    positionals,
    dataDir: values['data-dir'] ?? settings.dataDir,
    voicesUrl: values['voices-url'] ?? process.env['VOXWIRE_VOICES_URL'] ?? DEFAULT_VOICES_URL,
    language: values.language,
    server: values.server ?? `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}`,
    apiKey: values['api-key'] ?? process.env['VOXWIRE_API_KEY'] ?? settings.apiKeys[0],
  };
}

interface RescanAnswer {
  readonly voices: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/** Asks the server at `server` to rescan; undefined (with a note printed) when no server answers there. */
async function askServerToRescan(server: string, apiKey: string | undefined): Promise<RescanAnswer | undefined> {
  let response: Response;
  try {
    response = await fetch(new URL('/admin/voices/rescan', server), { method: 'POST', headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` } });
  } catch {
    console.error(`No voxwire server answers at ${server}; a server started later finds the models by itself.`);
    return undefined;
  }
  const body = (await response.json().catch(() => ({}))) as Partial<RescanAnswer> & { message?: string };
  if (!response.ok) throw new Error(`the server at ${server} refused the rescan: HTTP ${response.status} ${body.message ?? ''}`.trim());
  return { voices: body.voices ?? 0, added: body.added ?? [], removed: body.removed ?? [], skipped: body.skipped ?? [] };
}

function printRescan(server: string, answer: RescanAnswer): void {
  console.log(`The server at ${server} serves ${answer.voices} model voices.`);
  for (const key of answer.added) console.log(`  added    ${uuidV5(VOICE_NAMESPACE, key)}  ${key}`);
  for (const key of answer.removed) console.log(`  removed  ${uuidV5(VOICE_NAMESPACE, key)}  ${key}`);
  for (const { path, reason } of answer.skipped) console.log(`  skipped  ${path}: ${reason}`);
}

export async function rescanCommand(args: readonly string[]): Promise<number> {
  const options = modelArgs(args);
  const answer = await askServerToRescan(options.server, options.apiKey);
  if (answer === undefined) return 1;
  printRescan(options.server, answer);
  return 0;
}

export async function availableCommand(args: readonly string[]): Promise<number> {
  const options = modelArgs(args);
  const { voices, problems } = await fetchCatalogue(options.voicesUrl);
  for (const problem of problems) console.error(problem);
  const folder = piperFolder(options.dataDir);
  for (const voice of voices.values()) {
    if (options.language !== undefined && !speaksLanguage(voice, options.language)) continue;
    const megabytes = (voice.files.reduce((sum, file) => sum + file.size, 0) / 1e6).toFixed(1);
    const installed = existsSync(join(folder, `${voice.key}.onnx`)) ? '  installed' : '';
    const speakers = voice.speakers > 1 ? `${voice.speakers} speakers` : '';
    console.log(`${voice.key.padEnd(32)} ${voice.language.padEnd(6)} ${voice.quality.padEnd(7)} ${megabytes.padStart(6)} MB  ${speakers}${installed}`);
  }
  return 0;
}

export async function pullCommand(args: readonly string[]): Promise<number> {
  const options = modelArgs(args);
  const [key, ...extra] = options.positionals;
  if (key === undefined || extra.length > 0) {
    console.error(`voxwire voices pull: name one voice key (voxwire voices available lists them).\n\n${MODELS_USAGE}`);
    return 2;
  }
  const { voices } = await fetchCatalogue(options.voicesUrl);
  const voice = voices.get(key);
  if (voice === undefined) {
    console.error(`voxwire voices pull: the catalogue at ${options.voicesUrl} has no voice "${key}".`);
    return 1;
  }
  const bar = progressBar(key);
  try {
    const paths = await pullVoice(voice, { voicesUrl: options.voicesUrl, dataDir: options.dataDir, onProgress: ({ done, total }) => bar.update(done, total) });
    bar.end();
    for (const path of paths) console.log(`Installed ${path}`);
  } catch (error) {
    bar.end();
    if (error instanceof ChecksumError) {
      console.error(`voxwire voices pull: ${error.message}.`);
      return 1;
    }
    console.error(`voxwire voices pull: the download was interrupted (${(error as Error).message}); run the same command again to resume.`);
    return 1;
  }
  const answer = await askServerToRescan(options.server, options.apiKey);
  if (answer !== undefined) printRescan(options.server, answer);
  return 0;
}
