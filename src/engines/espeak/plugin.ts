/** espeak-ng as a registry plug-in: embedded (WebAssembly from npm), so it is available everywhere. */
import type { EnginePlugin } from '../registry.js';
import { createEspeakEngine, ESPEAK_ENGINE_ID } from './engine.js';
import { ESPEAK_SAMPLE_RATE } from './native.js';
import { ESPEAK_VOICES } from './voices.js';

export const espeakPlugin: EnginePlugin = {
  id: ESPEAK_ENGINE_ID,
  sampleRate: ESPEAK_SAMPLE_RATE,
  voices: ESPEAK_VOICES,
  start: (options) => createEspeakEngine(options.workers === undefined ? {} : { workers: options.workers }),
};
