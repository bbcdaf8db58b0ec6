/**
 * The public Piper catalogue, `voices.json` under a base URL: key → the voice's language, quality, speakers
 * and files (path under the base URL, size, md5). Read by `voxwire voices available` and `pull`.
 */

/** Where rhasspy/piper-voices serves its v1.0.0 release (voices.json and every voice's files). */
export const DEFAULT_VOICES_URL = 'https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/';

export interface CatalogueFile {
  /** Path under the base URL, e.g. `en/en_US/lessac/medium/en_US-lessac-medium.onnx`. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly md5: string;
}

export interface CatalogueVoice {
  readonly key: string;
  /** Piper's language code, e.g. `en_US`. */
  readonly language: string;
  readonly languageName: string;
  readonly quality: string;
  readonly speakers: number;
  /** The model and its config: the files a voice needs (model cards and samples are left out). */
  readonly files: readonly CatalogueFile[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function catalogueVoice(key: string, value: unknown): CatalogueVoice {
  if (!isObject(value) || !isObject(value['files'])) throw new Error(`voices.json: "${key}" has no files`);
  const language = isObject(value['language']) ? value['language'] : {};
  const files: CatalogueFile[] = [];
  for (const [path, file] of Object.entries(value['files'])) {
    if (!path.endsWith('.onnx') && !path.endsWith('.onnx.json')) continue;
    const size = isObject(file) ? file['size_bytes'] : undefined;
    const md5 = isObject(file) ? file['md5_digest'] : undefined;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || typeof md5 !== 'string' || !/^[0-9a-f]{32}$/iu.test(md5)) {
      throw new Error(`voices.json: "${key}" file ${path} has no size_bytes and md5_digest`);
    }
    // The files land side by side in one folder: a path that climbs out of it is refused.
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name !== `${key}.onnx` && name !== `${key}.onnx.json`) throw new Error(`voices.json: "${key}" lists a file ${path} not named after the key`);
    files.push({ path, size, md5: md5.toLowerCase() });
  }
  if (!files.some((file) => file.path.endsWith('.onnx')) || !files.some((file) => file.path.endsWith('.onnx.json'))) {
    throw new Error(`voices.json: "${key}" lacks its .onnx or .onnx.json file`);
  }
  return {
    key,
    language: typeof language['code'] === 'string' ? language['code'] : key.split('-')[0] ?? '',
    languageName: typeof language['name_english'] === 'string' ? language['name_english'] : '',
    quality: typeof value['quality'] === 'string' ? value['quality'] : '',
    speakers: typeof value['num_speakers'] === 'number' ? value['num_speakers'] : 1,
    files,
  };
}

/** Parses voices.json; a voice entry without usable files is left out with the reason. */
export function parseCatalogue(text: string): { voices: Map<string, CatalogueVoice>; problems: string[] } {
  const root: unknown = JSON.parse(text);
  if (!isObject(root)) throw new Error('voices.json is not an object of voices');
  const voices = new Map<string, CatalogueVoice>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(root)) {
    if (!/^[A-Za-z0-9_.-]+$/u.test(key)) {
      problems.push(`voices.json: the key "${key}" is not a file name`);
      continue;
    }
    try {
      voices.set(key, catalogueVoice(key, value));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { voices, problems };
}

/** A base URL with its trailing slash, so relative paths resolve under it. */
export function baseUrl(url: string): URL {
  return new URL(url.endsWith('/') ? url : `${url}/`);
}

export async function fetchCatalogue(base: string): Promise<{ voices: Map<string, CatalogueVoice>; problems: string[] }> {
  const url = new URL('voices.json', baseUrl(base));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseCatalogue(await response.text());
}

/** Whether a voice is of `language`: a whole code (`en_US`, `en-us`) or a family (`en`). */
export function speaksLanguage(voice: CatalogueVoice, language: string): boolean {
  const wanted = language.replace('-', '_').toLowerCase();
  const code = voice.language.toLowerCase();
  return code === wanted || code.split('_')[0] === wanted;
}
