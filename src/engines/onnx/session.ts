/**
 * onnxruntime-node sessions for the neural engines. A session's run() occupies its thread, so sessions live
 * in engine worker threads, each with a small intra-op pool: workers × threads should fit the cores.
 */
import ort from 'onnxruntime-node';

export type Session = ort.InferenceSession;
export type Feeds = Record<string, ort.Tensor>;

export interface SessionOptions {
  /** Threads one inference may use inside its worker (default 1). */
  readonly intraOpThreads?: number;
  /** Default ["cpu"]; "cuda" needs onnxruntime-node's CUDA files, which voxwire's install skips. */
  readonly executionProviders?: readonly string[];
}

export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<Session> {
  return ort.InferenceSession.create(model, {
    executionProviders: [...(options.executionProviders ?? ['cpu'])],
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings about a model's unused initializers and the like would go to stderr on every load.
    logSeverityLevel: 3,
  });
}

export function int64Tensor(values: readonly number[], dims: readonly number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let index = 0; index < values.length; index++) data[index] = BigInt(values[index]!);
  return new ort.Tensor('int64', data, dims);
}

export function float32Tensor(values: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', values, dims);
}

/** A scalar-like [1] tensor of the type the model declares for `name` (Kokoro exports differ on `speed`). */
export function numberTensorFor(session: Session, name: string, value: number): ort.Tensor {
  const meta = session.inputMetadata.find((input) => input.name === name);
  const type = meta?.isTensor ? meta.type : 'float32';
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.of(Math.round(value)), [1]);
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.of(BigInt(Math.round(value))), [1]);
  return new ort.Tensor('float32', Float32Array.of(value), [1]);
}

/** The float samples of an output tensor, whatever its shape ([1,1,1,T] for Piper, [T] or [1,T] for Kokoro). */
export function floatData(tensor: ort.Tensor | undefined, name: string): Float32Array {
  if (!tensor || tensor.type !== 'float32') throw new Error(`model output "${name}" is missing or not float32`);
  return tensor.data as Float32Array;
}
