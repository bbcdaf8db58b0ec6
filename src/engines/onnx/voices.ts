/** What model discovery reports about each neural voice, and how the neural engines are configured. */

export type NeuralEngineName = 'piper' | 'kokoro';

export interface NeuralVoice {
  readonly engine: NeuralEngineName;
  /** Stable key: the Piper model key (plus `:speaker` for multi-speaker models), or `<kokoro folder>:<voice>`. */
  readonly key: string;
  /** Human name, e.g. "lessac" or "Bella". */
  readonly name: string;
  /** Lower-case BCP-47 tag, e.g. "en-us". */
  readonly language: string;
  /** Piper's quality (x_low, low, medium, high); undefined for Kokoro. */
  readonly quality: string | undefined;
  /** The speaker's name in a multi-speaker model. */
  readonly speaker: string | undefined;
  readonly sampleRate: number;
  /** Piper: the `.onnx` file; Kokoro: the model folder. */
  readonly path: string;
  /** Piper: the `sid` of `speaker`. */
  readonly speakerId: number | undefined;
  /** The model file's mtime in ms: a workers' loaded copy of an older file is not used for the new one. */
  readonly version: number;
}

export interface NeuralEngineOptions {
  /** Worker threads (default 1: each holds its own copy of every voice it has loaded). */
  readonly workers?: number;
  /** Threads one inference may use; workers × threads should not exceed the cores (default 1). */
  readonly intraOpThreads?: number;
  /** A voice unused this long is unloaded from its worker (default 10 minutes; 0 = never). */
  readonly idleUnloadMs?: number;
  /** A segment producing nothing this long fails and its worker is replaced (default 60 s: loading counts). */
  readonly hangTimeoutMs?: number;
  /** onnxruntime execution providers in order of preference (default ["cpu"]; ["cuda", "cpu"] with CUDA installed). */
  readonly executionProviders?: readonly string[];
}

export const DEFAULT_IDLE_UNLOAD_MS = 10 * 60_000;
export const DEFAULT_NEURAL_HANG_TIMEOUT_MS = 60_000;

/** Settings a worker applies to the sessions it loads (sent with each job: workers start without options). */
export interface NeuralRuntimeSettings {
  readonly intraOpThreads: number;
  /** A loaded voice unused for this long is released (0: never). */
  readonly idleUnloadMs: number;
  readonly executionProviders: readonly string[];
}
