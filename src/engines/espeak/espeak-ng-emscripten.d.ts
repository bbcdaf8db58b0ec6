/**
 * Types for the parts of @echogarden/espeak-ng-emscripten that voxwire uses (the package ships none).
 * Learned by probing the package; see src/engines/espeak/native.ts for how they are used.
 */
declare module '@echogarden/espeak-ng-emscripten' {
  /** One event espeak reports with an audio buffer. */
  export interface RawEspeakEvent {
    readonly type: string;
    /** 1-based code-point index into the synthesized text. */
    readonly text_position: number;
    /** Length in code points (word events). */
    readonly word_length: number;
    /** Milliseconds from the start of this synthesize call. */
    readonly audio_position: number;
    /** IPA for phoneme events, a counter for word/sentence events. */
    readonly id: string | number | undefined;
  }

  export interface EspeakVoiceInfo {
    readonly name: string;
    readonly identifier: string;
    readonly languages: readonly { readonly priority: number; readonly name: string }[];
  }

  export interface ESpeakNGWorker {
    set_voice(name: string): number;
    set_rate(wordsPerMinute: number): void;
    set_pitch(pitch: number): void;
    set_range(range: number): void;
    set_volume(volume: number): void;
    get_samplerate(): number;
    list_voices(): EspeakVoiceInfo[];
    /**
     * Text → phonemes without synthesis: a pointer to a NUL-terminated UTF-8 string in the wasm memory, phonemes
     * separated by `_`, words by a space, espeak's own clause breaks by ` | `.
     */
    convert_to_phonemes(text: string, useIpa: boolean): { readonly ptr: number };
    /** Calls `callback` synchronously per audio buffer; returning true aborts synthesis. */
    synthesize(text: string, callback: (samples: Int16Array, events: RawEspeakEvent[]) => boolean): void;
  }

  export interface EspeakModule {
    readonly eSpeakNGWorker: new () => ESpeakNGWorker;
    /** The wasm linear memory as bytes (replaced when the memory grows: read it anew each time). */
    readonly HEAPU8: Uint8Array;
    /** Emscripten's in-memory file system holding espeak-ng-data (voice variants are read from it). */
    readonly FS: {
      writeFile(path: string, data: string): void;
      readFile(path: string, options: { encoding: 'utf8' }): string;
      readdir(path: string): string[];
    };
  }

  const createModule: () => Promise<EspeakModule>;
  export default createModule;
}
