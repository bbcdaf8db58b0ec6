/** espeak-ng as a registry plug-in: embedded (WebAssembly from npm), so it is available everywhere. */
import type { EnginePlugin } from '../registry.js';
import { espeakDesigner } from './design.js';
import { createEspeakEngine, ESPEAK_ENGINE_ID, type EspeakEngineOptions } from './engine.js';
import { ESPEAK_SAMPLE_RATE } from './native.js';
import { ESPEAK_VOICES } from './voices.js';

/** `engineOptions`: settings beyond the registry's own (tests pass a fault-injecting worker entry). */
export function espeakPlugin(engineOptions: EspeakEngineOptions = {}): EnginePlugin {
  return {
    id: ESPEAK_ENGINE_ID,
    sampleRate: ESPEAK_SAMPLE_RATE,
    voices: ESPEAK_VOICES,
    designer: espeakDesigner,
    start: (options) => createEspeakEngine({ ...engineOptions, ...(options.workers === undefined ? {} : { workers: options.workers }) }),
  };
}
