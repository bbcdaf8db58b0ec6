import type { NeuralRuntimeSettings } from '../onnx/voices.js';
import type { MixPart } from './mix.js';

/** What the Kokoro engine asks of one of its workers (a structured-clone-safe request). */
export interface KokoroJob {
  /** The model folder. */
  readonly dir: string;
  /** The model file's mtime (ms) when discovered: a replaced file is loaded anew. */
  readonly version: number;
  readonly mix: readonly MixPart[];
  readonly text: string;
  /** Fed as `speed` (1 = the voice's own pace). */
  readonly speed: number;
  readonly gain: number;
  readonly runtime: NeuralRuntimeSettings;
}
