/**
 * Kokoro-82M models in ONNX on onnxruntime-node, one engine per model folder. A segment's voice id is a voice
 * of the folder or a mix spec (`af_bella(2)+af_sky(1)`), optionally prefixed with the folder's key
 * (`kokoro-v1.0:af_bella`). 24 kHz; rate maps to `speed`, volume to gain; no pitch input.
 */
import { basename } from 'node:path';
import type { Engine, EngineCapabilities } from '../engine.js';
import { neuralEngine, workerEntry } from '../onnx/pool.js';
import type { NeuralEngineOptions } from '../onnx/voices.js';
import { KOKORO_SAMPLE_RATE, kokoroLanguage } from './folder.js';
import type { KokoroJob } from './job.js';
import { parseVoiceMix } from './mix.js';

export interface KokoroEngineOptions extends NeuralEngineOptions {
  /** The model folder, `<data-dir>/voices/kokoro/<name>/`. */
  readonly dir: string;
  /** Its voice names (from discovery). */
  readonly voices: readonly string[];
}

export function createKokoroEngine(options: KokoroEngineOptions): Engine {
  const known = new Set(options.voices);
  const prefix = `${basename(options.dir)}:`;
  const capabilities: EngineCapabilities = {
    name: 'kokoro',
    sampleRate: KOKORO_SAMPLE_RATE,
    languages: [...new Set(options.voices.map((voice) => kokoroLanguage(voice).tag))],
    prosody: { rate: true, pitch: false, volume: true },
    phonemeInput: false,
    timestamps: { words: true, phonemes: true },
    streaming: false,
  };
  return neuralEngine<KokoroJob>(capabilities, workerEntry(import.meta.url), options, (segment, runtime) => {
    const mix = parseVoiceMix(segment.voice.id.startsWith(prefix) ? segment.voice.id.slice(prefix.length) : segment.voice.id);
    const unknown = mix.find((part) => !known.has(part.voice));
    if (unknown) throw new Error(`no Kokoro voice "${unknown.voice}" in ${options.dir}`);
    return { dir: options.dir, mix, text: segment.text, speed: segment.prosody.rate, gain: segment.prosody.volume, runtime };
  });
}
