/**
 * Loads one flite instance: flite 2.2 and voxwire's shim compiled to WebAssembly (scripts/build-flite.sh,
 * output committed in vendor/flite/). Each worker thread owns one; the instance holds no state between
 * jobs except its voices, which the shim never changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One phone as flite timed it, before any audio exists. */
export interface RawPhone {
  /** flite's phone name (CMU/ARPAbet, lower case); "pau" for silence. */
  readonly name: string;
  /** End time in seconds from the utterance's start. */
  readonly end: number;
  /** 1-based index of the token (written word) the phone belongs to; 0 for a pause. */
  readonly token: number;
  /** The token as flite read it (punctuation stripped); empty for a pause. */
  readonly tokenName: string;
  readonly stressed: boolean;
  /** True for the first phone of a syllable. */
  readonly syllableStart: boolean;
}

export interface FliteSettings {
  /** Scales every phone's duration (flite's `duration_stretch`). */
  readonly durationStretch: number;
  /** Scales the voice's F0 mean and spread (flite's `int_f0_target_mean` and `int_f0_target_stddev`). */
  readonly f0Factor: number;
  /** Linear gain on the samples. */
  readonly gain: number;
}

export interface FliteUtteranceHooks {
  /** Every phone of the utterance, called once before the first audio buffer. */
  timings(phones: readonly RawPhone[]): void;
  /** One buffer of audio (a copy the caller owns); returning true stops the synthesis. */
  audio(samples: Int16Array, sampleRate: number): boolean;
}

export interface FliteInstance {
  /** Speaks one utterance synchronously, calling the hooks as flite goes. */
  speak(shimIndex: number, text: string, settings: FliteSettings, hooks: FliteUtteranceHooks): void;
}

/** What the Emscripten glue (vendor/flite/flite.cjs) exposes; the hooks are read by the shim's EM_JS code. */
interface FliteModule {
  _vw_init(): number;
  _vw_synth(voice: number, text: number, durationStretch: number, f0Factor: number, gain: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
  /** Replaced when the memory grows: read it anew on every call. */
  HEAP16: Int16Array;
  vwTimings?: (count: number) => void;
  vwPhone?: (name: string, end: number, token: number, tokenName: string, stress: number, syllableStart: number) => void;
  vwAudio?: (pointer: number, count: number, sampleRate: number) => number;
}

/**
 * The wasm code trapped (or a hook threw) in the middle of flite: its memory may hold a half-built
 * utterance and a stale error handler, so the instance must not serve another job.
 */
export class FliteInstanceLost extends Error {
  override readonly name = 'FliteInstanceLost';
}

type CreateFlite = (options: { wasmBinary: Uint8Array }) => Promise<FliteModule>;

/** The vendor folder sits at the package root: three levels above this file's source, four above dist/. */
function vendorFile(name: string): string {
  for (const up of ['../../../', '../../../../']) {
    const path = fileURLToPath(new URL(`${up}vendor/flite/${name}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`flite's WebAssembly build (vendor/flite/${name}) is missing`);
}

export async function loadFlite(): Promise<FliteInstance> {
  const createFlite = createRequire(import.meta.url)(vendorFile('flite.cjs')) as CreateFlite;
  // Passed in, because the glue would otherwise fetch() the .wasm by a path relative to itself.
  const module = await createFlite({ wasmBinary: readFileSync(vendorFile('flite.wasm')) });
  module._vw_init();

  return {
    speak(voice, text, settings, hooks) {
      const phones: RawPhone[] = [];
      let expected = 0;
      module.vwTimings = (count) => (expected = count);
      module.vwPhone = (name, end, token, tokenName, stress, syllableStart) => {
        phones.push({ name, end, token, tokenName, stressed: stress > 0, syllableStart: syllableStart !== 0 });
        if (phones.length === expected) hooks.timings(phones);
      };
      module.vwAudio = (pointer, count, sampleRate) => {
        const start = pointer >> 1;
        return hooks.audio(module.HEAP16.slice(start, start + count), sampleRate) ? 1 : 0;
      };
      const bytes = module.lengthBytesUTF8(text) + 1;
      const pointer = module._malloc(bytes);
      try {
        module.stringToUTF8(text, pointer, bytes);
        let status: number;
        try {
          status = module._vw_synth(voice, pointer, settings.durationStretch, settings.f0Factor, settings.gain);
        } catch (error) {
          throw new FliteInstanceLost(`flite stopped abnormally: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (status === -1) throw new Error(`flite has no voice number ${voice}`);
        if (status === -2) throw new Error('flite reported an error while synthesizing');
        if (expected === 0) hooks.timings(phones);
      } finally {
        module._free(pointer);
      }
    },
  };
}
