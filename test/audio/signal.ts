/** Test signals and the measurements the audio tests make on decoded output. */

export const ENGINE_RATE = 22050;
export const TONE_HZ = 440;
/** The tone fills [0, TONE_SECONDS), a 200 → 3000 Hz chirp the rest. */
export const TONE_SECONDS = 0.75;
export const SIGNAL_SECONDS = 1.5;

/** 0.75 s of a 440 Hz sine at half scale, then 0.75 s of a linear chirp, as the engine would deliver it. */
export function testSignal(rate = ENGINE_RATE): Int16Array {
  const total = Math.round(SIGNAL_SECONDS * rate);
  const toneEnd = Math.round(TONE_SECONDS * rate);
  const out = new Int16Array(total);
  for (let i = 0; i < total; i++) {
    const t = i / rate;
    const phase = i < toneEnd ? TONE_HZ * t : chirpPhase(t - TONE_SECONDS);
    out[i] = Math.round(16384 * Math.sin(2 * Math.PI * phase));
  }
  return out;
}

function chirpPhase(t: number): number {
  const f0 = 200;
  const f1 = 3000;
  const span = SIGNAL_SECONDS - TONE_SECONDS;
  return f0 * t + ((f1 - f0) / (2 * span)) * t * t;
}

/** Cuts `samples` into chunks of `ms` milliseconds at `rate` (the last one shorter). */
export function chunks(samples: Int16Array, rate: number, ms = 100): Int16Array[] {
  const size = Math.round((rate * ms) / 1000);
  const out: Int16Array[] = [];
  for (let at = 0; at < samples.length; at += size) out.push(samples.subarray(at, at + size));
  return out;
}

export function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Frequency from the rising zero crossings of samples [from, to), interpolated between samples. */
export function zeroCrossingHz(samples: ArrayLike<number>, rate: number, from: number, to: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    const a = samples[i - 1] as number;
    const b = samples[i] as number;
    if (a < 0 && b >= 0) {
      const at = i - 1 + a / (a - b);
      if (first < 0) first = at;
      last = at;
      count++;
    }
  }
  if (count < 2) return 0;
  return ((count - 1) * rate) / (last - first);
}

/** Checks a decoded test signal: still loud, and the tone section still at 440 Hz. */
export function measureTestSignal(samples: ArrayLike<number>, rate: number): { rms: number; toneHz: number } {
  // The middle of the tone section, clear of any codec delay at the start and of the chirp.
  const from = Math.round(0.2 * rate);
  const to = Math.round(0.6 * rate);
  return { rms: rms(samples), toneHz: zeroCrossingHz(samples, rate, from, to) };
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
