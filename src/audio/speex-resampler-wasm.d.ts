/**
 * Types for the parts of the Emscripten build of the speex resampler that voxwire calls. The package ships
 * no declarations; names and argument orders follow speexdsp's `speex_resampler.h`.
 */
declare module '@echogarden/speex-resampler-wasm' {
  export type { SpeexResamplerModule } from '@echogarden/speex-resampler-wasm/simd';
  import type { SpeexResamplerModule } from '@echogarden/speex-resampler-wasm/simd';
  const createModule: () => Promise<SpeexResamplerModule>;
  export default createModule;
}

/** The same API built with wasm SIMD (about 1.7× faster here); needs a runtime with wasm SIMD. */
declare module '@echogarden/speex-resampler-wasm/simd' {
  export interface SpeexResamplerModule {
    /** Re-created by Emscripten when the wasm memory grows, so read it after every allocation. */
    readonly HEAP16: Int16Array;
    readonly HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errorPointer: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    /** A null `input` pointer feeds zeros, which is how the filter tail is drained. */
    _speex_resampler_process_int(
      state: number,
      channel: number,
      input: number,
      inputLengthPointer: number,
      output: number,
      outputLengthPointer: number,
    ): number;
  }
  const createModule: () => Promise<SpeexResamplerModule>;
  export default createModule;
}
