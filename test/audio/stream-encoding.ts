/** Drives the stream encoders of src/audio/stream-encoder.ts the way a request would, for the codec tests. */
import { createStreamEncoder, type StreamFormat } from '../../src/audio/stream-encoder.js';
import { chunks } from './signal.js';

export interface Encoded {
  /** What each encode() returned, in order, then what flush() returned. */
  readonly parts: readonly Uint8Array[];
  readonly bytes: Uint8Array;
}

export async function encodeChunks(format: StreamFormat, sampleRate: number, pieces: readonly Int16Array[]): Promise<Encoded> {
  const encoder = await createStreamEncoder(format, sampleRate);
  const parts: Uint8Array[] = [];
  for (const piece of pieces) parts.push(await encoder.encode(piece));
  parts.push(await encoder.flush());
  return { parts, bytes: Buffer.concat(parts) };
}

/** 100 ms pushes, as the engine delivers audio. */
export function encodeStreamed(format: StreamFormat, sampleRate: number, input: Int16Array): Promise<Encoded> {
  return encodeChunks(format, sampleRate, chunks(input, sampleRate));
}

/** Cuts `samples` into pieces of 1 to 700 samples from a fixed pseudo-random sequence. */
export function ragged(samples: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let at = 0, step = 1; at < samples.length; at += step, step = ((step * 7919 + 13) % 700) + 1) {
    out.push(samples.subarray(at, at + step));
  }
  return out;
}

/** Whether a setImmediate callback scheduled before `work` starts has run by the time it settles. */
export async function yieldsDuring(work: () => Promise<unknown>): Promise<boolean> {
  let ran = false;
  setImmediate(() => {
    ran = true;
  });
  await work();
  return ran;
}
