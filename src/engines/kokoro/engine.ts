/**
 * Kokoro-82M models in ONNX on onnxruntime-node. A segment's voice spec names its model folder (`dir`) and,
 * as its id, a voice of the folder or a mix (`af_bella(2)+af_sky(1)`), optionally prefixed with the folder's
 * key (`kokoro-v1.0:af_bella`), so one engine serves every installed folder and a request keeps its folder
 * when a rescan removes the voice from the catalogue. 24 kHz; rate maps to `speed`, volume to gain; no pitch
 * input.
 */
import { basename } from 'node:path';
import type { Engine, EngineVoiceSpec } from '../engine.js';
import { neuralCapabilities, neuralEngine, workerEntry } from '../onnx/pool.js';
import type { NeuralEngineOptions, NeuralVoice } from '../onnx/voices.js';
import { KOKORO_SAMPLE_RATE } from './folder.js';
import type { KokoroJob } from './job.js';
import { parseVoiceMix } from './mix.js';

export const KOKORO_ENGINE_ID = 'kokoro';

const CAPABILITIES = neuralCapabilities(KOKORO_ENGINE_ID, KOKORO_SAMPLE_RATE);

/** The engine-owned spec of a discovered Kokoro voice: its key (or a mix) and its model folder. */
export function kokoroVoiceSpec(voice: NeuralVoice): EngineVoiceSpec {
  return { id: voice.key, dir: voice.path, version: voice.version };
}

export function createKokoroEngine(options: NeuralEngineOptions = {}): Engine {
  return neuralEngine<KokoroJob>(CAPABILITIES, workerEntry(import.meta.url), options, (segment, runtime) => {
    const { dir, version } = segment.voice;
    if (typeof dir !== 'string') throw new Error(`the Kokoro voice "${segment.voice.id}" names no model folder`);
    const prefix = `${basename(dir)}:`;
    const mix = parseVoiceMix(segment.voice.id.startsWith(prefix) ? segment.voice.id.slice(prefix.length) : segment.voice.id);
    return { dir, version: typeof version === 'number' ? version : 0, mix, text: segment.text, speed: segment.prosody.rate, gain: segment.prosody.volume, runtime };
  });
}
