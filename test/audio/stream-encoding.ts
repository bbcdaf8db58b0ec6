/** Drives the stream encoders of src/audio/stream-encoder.ts the way a request would, for the codec tests. */
import assert from 'node:assert/strict';
import { createStreamEncoder, type StreamFormat } from '../../src/audio/stream-encoder.js';
import { chunks, measureTestSignal, rms, TONE_HZ } from './signal.js';

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

/** A stream given `samples` and then abandoned (a cancelled request), disposed twice as a caller may. */
export async function abandonStream(format: StreamFormat, sampleRate: number, samples: Int16Array): Promise<void> {
  const encoder = await createStreamEncoder(format, sampleRate);
  await encoder.encode(samples);
  encoder.dispose();
  encoder.dispose();
}

/** The same input pushed whole (the encoder slices it) and in ragged pieces. */
export async function wholeAndRagged(format: StreamFormat, sampleRate: number, input: Int16Array): Promise<{ whole: Encoded; cut: Encoded }> {
  return { whole: await encodeChunks(format, sampleRate, [input]), cut: await encodeChunks(format, sampleRate, ragged(input)) };
}

/** The decoded test signal keeps the input's level (within 10 %) and its tone's pitch (within 2 Hz). */
export function assertLevelAndPitch(decoded: ArrayLike<number>, rate: number, input: Int16Array): void {
  const measured = measureTestSignal(decoded, rate);
  const inputRms = rms(input);
  assert.ok(Math.abs(measured.rms - inputRms) < 0.1 * inputRms, `RMS ${measured.rms} against ${inputRms}`);
  assert.ok(Math.abs(measured.toneHz - TONE_HZ) < 2, `tone at ${measured.toneHz} Hz`);
}
