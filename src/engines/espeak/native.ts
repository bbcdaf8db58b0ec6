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
  /**
   * Writes a voice variant file (espeak's `!v` format) named `name` into the instance's own file system, once;
   * `set_voice("<language>+<name>")` then loads it. The file system lives outside the wasm memory, so restoring
   * the pristine memory keeps it.
   */
  ensureVariant(name: string, text: string): void;
}

/** Where the wasm build's data puts espeak's voice variants. */
const VARIANT_FOLDER = '/usr/share/espeak-ng-data/voices/!v';
/** espeak-ng reads variant names of at most this many bytes. */
const VARIANT_NAME = /^[a-z0-9]{1,30}$/;

export async function loadEspeak(): Promise<LoadedEspeak> {
  const module = await createModule();
  const instance = new module.eSpeakNGWorker();
  const rate = instance.get_samplerate();
  if (rate !== ESPEAK_SAMPLE_RATE) {
    throw new Error(`espeak-ng renders at ${rate} Hz, expected ${ESPEAK_SAMPLE_RATE}`);
  }
  const written = new Set<string>();
  return {
    instance,
    heap: () => module.HEAPU8,
    ensureVariant(name, text) {
      if (written.has(name)) return;
      if (!VARIANT_NAME.test(name)) throw new Error(`"${name}" is not a variant name voxwire writes`);
      module.FS.writeFile(`${VARIANT_FOLDER}/${name}`, text);
      written.add(name);
    },
  };
}
