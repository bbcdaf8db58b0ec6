/** flite as a registry plug-in: our WebAssembly build ships in the package (vendor/flite), so it runs everywhere. */
import type { EngineVoiceDefinition } from '../engine.js';
import type { EnginePlugin } from '../registry.js';
import { fliteDesigner } from './design.js';
import { createFliteEngine, FLITE_ENGINE_ID, FLITE_SAMPLE_RATE, type FliteEngineOptions } from './engine.js';
import { FLITE_VOICES } from './voices.js';

const VOICES: readonly EngineVoiceDefinition[] = FLITE_VOICES.map((voice) =>
  Object.freeze({ key: voice.id, name: voice.name, language: voice.language, gender: voice.gender, spec: voice.spec }),
);

/** `engineOptions`: settings beyond the registry's own (tests pass other timeouts). */
export function flitePlugin(engineOptions: FliteEngineOptions = {}): EnginePlugin {
  return {
    id: FLITE_ENGINE_ID,
    sampleRate: FLITE_SAMPLE_RATE,
    voices: VOICES,
    designer: fliteDesigner,
    start: (options) => createFliteEngine({ ...engineOptions, ...(options.workers === undefined ? {} : { workers: options.workers }) }),
  };
}
