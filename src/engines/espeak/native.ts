/**
 * Loads one in-process espeak-ng instance. Each worker thread owns exactly one; the instance keeps voice and
 * prosody state between calls, so callers set every parameter before each synthesis.
 */
import createModule, { type ESpeakNGWorker } from '@echogarden/espeak-ng-emscripten';

export type { ESpeakNGWorker, RawEspeakEvent } from '@echogarden/espeak-ng-emscripten';

/** espeak-ng's native output rate (the wasm build always renders at this rate). */
export const ESPEAK_SAMPLE_RATE = 22050;

export async function loadEspeak(): Promise<ESpeakNGWorker> {
  const module = await createModule();
  const instance = new module.eSpeakNGWorker();
  const rate = instance.get_samplerate();
  if (rate !== ESPEAK_SAMPLE_RATE) {
    throw new Error(`espeak-ng renders at ${rate} Hz, expected ${ESPEAK_SAMPLE_RATE}`);
  }
  return instance;
}
