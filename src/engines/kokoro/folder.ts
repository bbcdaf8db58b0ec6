/**
 * A Kokoro model folder, `<data-dir>/voices/kokoro/<name>/`: one `.onnx` model (`model.onnx` preferred when
 * there are several), `config.json` with the model's `vocab`, and raw float32 voice files (510 × 256,
 * `<voice>.bin`) in `voices/` or beside the model.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

export const KOKORO_SAMPLE_RATE = 24000;
export const KOKORO_STYLE_ROWS = 510;
export const KOKORO_STYLE_WIDTH = 256;
const VOICE_FILE_BYTES = KOKORO_STYLE_ROWS * KOKORO_STYLE_WIDTH * Float32Array.BYTES_PER_ELEMENT;

export interface KokoroFolder {
  readonly model: string;
  readonly vocab: ReadonlyMap<string, number>;
  /** Voice names, e.g. "af_bella", sorted. */
  readonly voices: readonly string[];
  /** Voice files of languages not served, with the reason. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  /** Path of a voice's file. */
  voiceFile(voice: string): string;
}

/** Kokoro's voice names start with a language letter: the espeak-ng voice that phonemizes for it. */
const LANGUAGES: Readonly<Record<string, { readonly tag: string; readonly espeak: string }>> = {
  a: { tag: 'en-us', espeak: 'en-us' },
  b: { tag: 'en-gb', espeak: 'en' },
  e: { tag: 'es', espeak: 'es' },
  f: { tag: 'fr-fr', espeak: 'fr-fr' },
  h: { tag: 'hi', espeak: 'hi' },
  i: { tag: 'it', espeak: 'it' },
  p: { tag: 'pt-br', espeak: 'pt-br' },
};

const VOICE_NAME = /^([a-z])[a-z]_[a-z0-9]+$/u;

export function kokoroLanguage(voice: string): { readonly tag: string; readonly espeak: string } {
  const language = servedLanguage(voice);
  if (!language) throw new Error(`voice "${voice}" is not of a language voxwire phonemizes for Kokoro`);
  return language;
}

function servedLanguage(voice: string): { readonly tag: string; readonly espeak: string } | undefined {
  const letter = VOICE_NAME.exec(voice)?.[1];
  // Japanese and Chinese voices need a phonemizer other than espeak-ng (misaki): not served.
  return letter === undefined ? undefined : LANGUAGES[letter];
}

/** "af_bella" → "Bella". */
export function kokoroVoiceName(voice: string): string {
  const name = voice.slice(voice.indexOf('_') + 1);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

export function parseVocab(text: string): Map<string, number> {
  const root = JSON.parse(text) as { vocab?: unknown };
  if (typeof root.vocab !== 'object' || root.vocab === null) throw new Error('config.json has no "vocab"');
  const vocab = new Map<string, number>();
  for (const [symbol, id] of Object.entries(root.vocab)) {
    if (!Number.isInteger(id) || (id as number) <= 0) throw new Error(`vocab entry "${symbol}" is not a positive id`);
    vocab.set(symbol, id as number);
  }
  return vocab;
}

export async function readKokoroFolder(dir: string): Promise<KokoroFolder> {
  const files = (await readdir(dir)).sort();
  const models = files.filter((file) => file.endsWith('.onnx'));
  const model = models.includes('model.onnx') ? 'model.onnx' : models[0];
  if (model === undefined) throw new Error('no .onnx model in the folder');
  const vocab = parseVocab(await readFile(join(dir, 'config.json'), 'utf8'));
  const voicesDir = files.includes('voices') ? join(dir, 'voices') : dir;
  const voiceFiles = voicesDir === dir ? files : (await readdir(voicesDir)).sort();
  const voices: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const file of voiceFiles) {
    if (!file.endsWith('.bin')) continue;
    const size = (await stat(join(voicesDir, file))).size;
    if (size !== VOICE_FILE_BYTES) throw new Error(`${file}: ${size} bytes, a voice file has ${VOICE_FILE_BYTES}`);
    const voice = basename(file, '.bin');
    if (servedLanguage(voice)) voices.push(voice);
    else skipped.push({ file: join(voicesDir, file), reason: `voice "${voice}" is not of a language phonemized by espeak-ng` });
  }
  if (voices.length === 0) throw new Error('no voice files (.bin) of a served language');
  return { model: join(dir, model), vocab, voices, skipped, voiceFile: (voice) => join(voicesDir, `${voice}.bin`) };
}
