/**
 * Loads one in-process espeak-ng instance. Each worker thread owns exactly one; the instance keeps voice and
 * prosody state between calls, so callers set every parameter before each synthesis.
 */
import createModule, { type ESpeakNGWorker } from '@echogarden/espeak-ng-emscripten';

export type { ESpeakNGWorker, RawEspeakEvent } from '@echogarden/espeak-ng-emscripten';

/** espeak-ng's native output rate (the wasm build always renders at this rate). */
export const ESPEAK_SAMPLE_RATE = 22050;

export interface LoadedEspeak {
  readonly instance: ESpeakNGWorker;
  /** The instance's wasm memory, read anew on each call (growth replaces the view). */
  heap(): Uint8Array;
}

export async function loadEspeak(): Promise<LoadedEspeak> {
  const module = await createModule();
  const instance = new module.eSpeakNGWorker();
  const rate = instance.get_samplerate();
  if (rate !== ESPEAK_SAMPLE_RATE) {
    throw new Error(`espeak-ng renders at ${rate} Hz, expected ${ESPEAK_SAMPLE_RATE}`);
  }
  return { instance, heap: () => module.HEAPU8 };
}
