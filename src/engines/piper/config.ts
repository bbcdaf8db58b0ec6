/** A Piper voice's `<key>.onnx.json`: the parts read at inference, checked once when the voice loads. */

export interface PiperConfig {
  readonly sampleRate: number;
  readonly espeakVoice: string;
  readonly quality: string | undefined;
  readonly languageCode: string | undefined;
  readonly phonemeIdMap: ReadonlyMap<string, readonly number[]>;
  readonly numSpeakers: number;
  /** Speaker name → sid, in the order of the file. */
  readonly speakers: ReadonlyMap<string, number>;
  readonly noiseScale: number;
  readonly lengthScale: number;
  readonly noiseW: number;
  /** Output samples per alignment frame. */
  readonly hopLength: number;
}

const DEFAULT_HOP_LENGTH = 256;

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Json;
}

function optionalNumber(value: unknown, fallback: number, what: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what} is not a number`);
  return value;
}

export function parsePiperConfig(text: string): PiperConfig {
  const root = object(JSON.parse(text), 'the config');
  const audio = object(root['audio'], '"audio"');
  const sampleRate = optionalNumber(audio['sample_rate'], Number.NaN, '"audio.sample_rate"');
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 48000) {
    throw new Error('"audio.sample_rate" must be an integer from 8000 to 48000');
  }
  const phonemeType = root['phoneme_type'] ?? 'espeak';
  if (phonemeType !== 'espeak') throw new Error(`phoneme_type "${String(phonemeType)}" is not supported (only espeak)`);
  const espeak = object(root['espeak'] ?? {}, '"espeak"');
  const espeakVoice = typeof espeak['voice'] === 'string' ? espeak['voice'] : 'en-us';
  const idMap = new Map<string, readonly number[]>();
  for (const [symbol, ids] of Object.entries(object(root['phoneme_id_map'], '"phoneme_id_map"'))) {
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new Error(`"phoneme_id_map" entry "${symbol}" is not a list of ids`);
    }
    idMap.set(symbol, ids as number[]);
  }
  for (const required of ['^', '_', '$']) {
    if (!idMap.has(required)) throw new Error(`"phoneme_id_map" has no "${required}"`);
  }
  const speakers = new Map<string, number>();
  for (const [name, id] of Object.entries(object(root['speaker_id_map'] ?? {}, '"speaker_id_map"'))) {
    if (!Number.isInteger(id)) throw new Error(`speaker "${name}" has no integer id`);
    speakers.set(name, id as number);
  }
  const inference = object(root['inference'] ?? {}, '"inference"');
  const language = root['language'] === undefined ? {} : object(root['language'], '"language"');
  return {
    sampleRate,
    espeakVoice,
    quality: typeof audio['quality'] === 'string' ? audio['quality'] : undefined,
    languageCode: typeof language['code'] === 'string' ? language['code'] : undefined,
    phonemeIdMap: idMap,
    numSpeakers: optionalNumber(root['num_speakers'], 1, '"num_speakers"'),
    speakers,
    noiseScale: optionalNumber(inference['noise_scale'], 0.667, '"inference.noise_scale"'),
    lengthScale: optionalNumber(inference['length_scale'], 1, '"inference.length_scale"'),
    noiseW: optionalNumber(inference['noise_w'], 0.8, '"inference.noise_w"'),
    hopLength: optionalNumber(root['hop_length'], DEFAULT_HOP_LENGTH, '"hop_length"'),
  };
}
