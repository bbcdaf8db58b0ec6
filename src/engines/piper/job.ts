import type { NeuralRuntimeSettings } from '../onnx/voices.js';

/** What the Piper engine asks of one of its workers (a structured-clone-safe request). */
export interface PiperJob {
  /** Path of `<key>.onnx`; its config is `<key>.onnx.json` beside it. */
  readonly model: string;
  /** The model file's mtime (ms) when discovered: a replaced file is loaded anew. */
  readonly version: number;
  /** Speaker id fed as `sid` (multi-speaker models only). */
  readonly speaker: number | undefined;
  readonly text: string;
  /** Speaking-rate multiplier: length_scale is divided by it. */
  readonly rate: number;
  readonly gain: number;
  readonly runtime: NeuralRuntimeSettings;
}
