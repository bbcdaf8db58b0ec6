/**
 * Finds the neural voices installed in a data folder: `<data-dir>/voices/piper/<key>.onnx` with
 * `<key>.onnx.json`, and `<data-dir>/voices/kokoro/<name>/` (a model, `config.json`, voice files). A model that
 * cannot be used is reported with its path and the reason and skipped; the scan itself never throws for one
 * bad model. Files are checked without creating sessions: the config is parsed and the model decoded as ONNX
 * with the inputs its engine feeds.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { kokoroLanguage, kokoroVoiceName, readKokoroFolder } from '../kokoro/folder.js';
import { parsePiperConfig } from '../piper/config.js';
import type { NeuralVoice } from './voices.js';

const { onnx } = onnxProto;

export interface DiscoveryError {
  readonly path: string;
  readonly reason: string;
}

export interface Discovery {
  readonly voices: NeuralVoice[];
  readonly errors: DiscoveryError[];
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The names of a model's graph inputs; throws when the bytes are not an ONNX model with a graph. */
export function onnxInputNames(bytes: Uint8Array): string[] {
  const model = onnx.ModelProto.decode(bytes);
  const inputs = model.graph?.input ?? [];
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new Error('not an ONNX model (no graph)');
  return inputs.map((input) => input.name ?? '');
}

export function requireInputs(inputs: readonly string[], required: readonly string[]): void {
  const missing = required.filter((name) => !inputs.includes(name));
  if (missing.length > 0) throw new Error(`the model has no input ${missing.map((name) => `"${name}"`).join(', ')}`);
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function piperVoices(path: string): Promise<NeuralVoice[]> {
  const key = basename(path, '.onnx');
  const config = parsePiperConfig(await readFile(`${path}.json`, 'utf8'));
  requireInputs(onnxInputNames(await readFile(path)), ['input', 'input_lengths', 'scales']);
  const language = (config.languageCode ?? config.espeakVoice).replace('_', '-').toLowerCase();
  const name = key.split('-')[1] ?? key;
  const version = (await stat(path)).mtimeMs;
  const base = { engine: 'piper' as const, language, quality: config.quality, sampleRate: config.sampleRate, path, version };
  if (config.numSpeakers <= 1 || config.speakers.size === 0) {
    return [{ ...base, key, name, speaker: undefined, speakerId: undefined }];
  }
  return [...config.speakers].map(([speaker, speakerId]) => ({
    ...base,
    key: `${key}:${speaker}`,
    name: `${name} (${speaker})`,
    speaker,
    speakerId,
  }));
}

async function kokoroVoices(dir: string, errors: DiscoveryError[]): Promise<NeuralVoice[]> {
  const folder = await readKokoroFolder(dir);
  errors.push(...folder.skipped.map(({ file, reason }) => ({ path: file, reason })));
  requireInputs(onnxInputNames(await readFile(folder.model)), ['style', 'speed']);
  const version = (await stat(folder.model)).mtimeMs;
  return folder.voices.map((voice) => ({
    version,
    engine: 'kokoro' as const,
    key: `${basename(dir)}:${voice}`,
    name: kokoroVoiceName(voice),
    language: kokoroLanguage(voice).tag,
    quality: undefined,
    speaker: undefined,
    sampleRate: 24000,
    path: dir,
    speakerId: undefined,
  }));
}

export async function discoverNeuralVoices(dataDir: string): Promise<Discovery> {
  const voices: NeuralVoice[] = [];
  const errors: DiscoveryError[] = [];
  const attempt = async (path: string, load: (path: string) => Promise<NeuralVoice[]>): Promise<void> => {
    try {
      voices.push(...(await load(path)));
    } catch (error) {
      errors.push({ path, reason: reasonOf(error) });
    }
  };
  const piperDir = join(dataDir, 'voices', 'piper');
  for (const name of await entries(piperDir)) {
    if (name.endsWith('.onnx')) await attempt(join(piperDir, name), piperVoices);
  }
  const kokoroDir = join(dataDir, 'voices', 'kokoro');
  for (const name of await entries(kokoroDir)) await attempt(join(kokoroDir, name), (dir) => kokoroVoices(dir, errors));
  return { voices, errors };
}
