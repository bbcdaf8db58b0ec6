/**
 * Piper voices (VITS models in ONNX) on onnxruntime-node. Sessions run in worker threads. A segment's voice
 * spec names its model file and speaker itself (piperVoiceSpec), so one engine serves every installed model,
 * of any sample rate, and a request keeps its model when a rescan removes the voice from the catalogue. Rate
 * maps to length_scale, volume to gain; these models have no pitch input, so pitch is not declared and the
 * pipeline refuses a pitch change with InvalidSSML naming the engine.
 */
import type { Engine, EngineVoiceSpec } from '../engine.js';
import { neuralCapabilities, neuralEngine, workerEntry } from '../onnx/pool.js';
import type { NeuralEngineOptions, NeuralVoice } from '../onnx/voices.js';
import type { PiperJob } from './job.js';

export const PIPER_ENGINE_ID = 'piper';
/** Most Piper voices' rate; each voice's own rate (its config's) is what its audio comes at. */
export const PIPER_DEFAULT_SAMPLE_RATE = 22050;
/** The spec's `speaker` of a single-speaker model (a spec holds no undefined). */
const NO_SPEAKER = -1;

const CAPABILITIES = neuralCapabilities(PIPER_ENGINE_ID, PIPER_DEFAULT_SAMPLE_RATE);

/** The engine-owned spec of a discovered Piper voice: its key, model file and speaker id. */
export function piperVoiceSpec(voice: NeuralVoice): EngineVoiceSpec {
  return { id: voice.key, model: voice.path, speaker: voice.speakerId ?? NO_SPEAKER, version: voice.version };
}

export function createPiperEngine(options: NeuralEngineOptions = {}): Engine {
  return neuralEngine<PiperJob>(CAPABILITIES, workerEntry(import.meta.url), options, (segment, runtime) => {
    const { model, speaker, version } = segment.voice;
    if (typeof model !== 'string') throw new Error(`the Piper voice "${segment.voice.id}" names no model file`);
    return {
      model,
      version: typeof version === 'number' ? version : 0,
      speaker: typeof speaker === 'number' && speaker !== NO_SPEAKER ? speaker : undefined,
      text: segment.text,
      rate: segment.prosody.rate,
      gain: segment.prosody.volume,
      runtime,
    };
  });
}
