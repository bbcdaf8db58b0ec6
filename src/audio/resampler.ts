/**
 * Streaming sample-rate conversion of mono Int16 PCM with speexdsp's resampler (compiled to wasm).
 *
 * The output is aligned with the input (the filter's leading delay is skipped) and `flush()` drains the
 * filter tail, so a stream of N input samples yields exactly round(N * outRate / inRate) output samples
 * however it was cut into chunks.
 */
import type { SpeexResamplerModule } from '@echogarden/speex-resampler-wasm';

export interface StreamResampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Resamples one chunk. The returned array belongs to the caller (or is `input` itself when rates match). */
  process(input: Int16Array): Int16Array;
  /** Returns the last samples held in the filter; the resampler is disposed afterwards. */
  flush(): Int16Array;
  /** Releases the wasm memory without draining; safe to call more than once. */
  dispose(): void;
}

/** speexdsp quality 0–10; 6 keeps aliasing far below 16-bit speech noise at a few percent of one core. */
export const DEFAULT_RESAMPLER_QUALITY = 6;

const EMPTY = new Int16Array(0);

let speexModule: Promise<SpeexResamplerModule> | undefined;

/** The wasm module is instantiated once per process and shared by every resampler. */
function loadSpeex(): Promise<SpeexResamplerModule> {
  speexModule ??= instantiateSpeex();
  return speexModule;
}

async function instantiateSpeex(): Promise<SpeexResamplerModule> {
  try {
    return await (await import('@echogarden/speex-resampler-wasm/simd')).default();
  } catch {
    // A runtime without wasm SIMD rejects the module at compile time; the scalar build is equivalent.
    return await (await import('@echogarden/speex-resampler-wasm')).default();
  }
}

export async function createResampler(
  inRate: number,
  outRate: number,
  quality: number = DEFAULT_RESAMPLER_QUALITY,
): Promise<StreamResampler> {
  if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
    throw new RangeError(`sample rates must be positive integers, got ${inRate} → ${outRate}`);
  }
  if (inRate === outRate) return new IdentityResampler(inRate);
  return new SpeexStreamResampler(await loadSpeex(), inRate, outRate, quality);
}

class IdentityResampler implements StreamResampler {
  constructor(readonly inRate: number) {}
  get outRate(): number {
    return this.inRate;
  }
  process(input: Int16Array): Int16Array {
    return input;
  }
  flush(): Int16Array {
    return EMPTY;
  }
  dispose(): void {}
}

class SpeexStreamResampler implements StreamResampler {
  private state: number;
  /** Two uint32 slots speex reads and writes: consumed input length, produced output length. */
  private readonly lengths: number;
  private inPointer = 0;
  private inCapacity = 0;
  private outPointer = 0;
  private outCapacity = 0;
  private readonly latency: number;
  private inputTotal = 0;
  private outputTotal = 0;

  constructor(
    private readonly speex: SpeexResamplerModule,
    readonly inRate: number,
    readonly outRate: number,
    quality: number,
  ) {
    const errorPointer = speex._malloc(4);
    this.state = speex._speex_resampler_init(1, inRate, outRate, quality, errorPointer);
    const error = speex.HEAPU32[errorPointer >> 2] ?? 0;
    speex._free(errorPointer);
    if (this.state === 0 || error !== 0) {
      throw new Error(`speex_resampler_init(${inRate} → ${outRate}, quality ${quality}) failed with code ${error}`);
    }
    // Without this the first filter-half-length of output would be silence and everything shifted late.
    speex._speex_resampler_skip_zeros(this.state);
    this.latency = speex._speex_resampler_get_input_latency(this.state);
    this.lengths = speex._malloc(8);
  }

  process(input: Int16Array): Int16Array {
    this.assertLive();
    if (input.length === 0) return EMPTY;
    this.inputTotal += input.length;
    this.reserveInput(input.length);
    this.speex.HEAP16.set(input, this.inPointer >> 1);
    return this.run(this.inPointer, input.length, this.expectedTotal());
  }

  flush(): Int16Array {
    if (this.state === 0) return EMPTY;
    const target = this.expectedTotal();
    const parts: Int16Array[] = [];
    // Feeding zeros (null input) pushes the held tail out; one latency is enough in theory, the loop
    // guards against speex's fractional phase leaving the count one short, the bound against a stall.
    let zeros = this.latency + 1;
    for (let attempt = 0; this.outputTotal < target && attempt < 4; attempt++) {
      parts.push(this.run(0, zeros, target));
      zeros = this.latency;
    }
    this.dispose();
    return concat(parts);
  }

  dispose(): void {
    if (this.state === 0) return;
    this.speex._speex_resampler_destroy(this.state);
    this.speex._free(this.lengths);
    if (this.inPointer !== 0) this.speex._free(this.inPointer);
    if (this.outPointer !== 0) this.speex._free(this.outPointer);
    this.state = 0;
    this.inPointer = this.outPointer = 0;
    this.inCapacity = this.outCapacity = 0;
  }

  private assertLive(): void {
    if (this.state === 0) throw new Error('resampler used after flush() or dispose()');
  }

  private expectedTotal(): number {
    return Math.round((this.inputTotal * this.outRate) / this.inRate);
  }

  /** Runs `count` input samples (at `pointer`, or zeros when 0) through the filter, output capped at `limit` in total. */
  private run(pointer: number, count: number, limit: number): Int16Array {
    const room = Math.ceil((count * this.outRate) / this.inRate) + 2;
    this.reserveOutput(room);
    const slot = this.lengths >> 2;
    let consumed = 0;
    let produced = 0;
    while (consumed < count) {
      const heap = this.speex.HEAPU32;
      heap[slot] = count - consumed;
      heap[slot + 1] = this.outCapacity - produced;
      const input = pointer === 0 ? 0 : pointer + consumed * 2;
      this.speex._speex_resampler_process_int(this.state, 0, input, this.lengths, this.outPointer + produced * 2, this.lengths + 4);
      const used = this.speex.HEAPU32[slot] ?? 0;
      const made = this.speex.HEAPU32[slot + 1] ?? 0;
      consumed += used;
      produced += made;
      if (used === 0 && made === 0) break;
      if (produced === this.outCapacity) this.reserveOutput(this.outCapacity * 2, produced);
    }
    const keep = Math.min(produced, Math.max(0, limit - this.outputTotal));
    this.outputTotal += keep;
    const start = this.outPointer >> 1;
    return this.speex.HEAP16.slice(start, start + keep);
  }

  private reserveInput(samples: number): void {
    if (samples <= this.inCapacity) return;
    if (this.inPointer !== 0) this.speex._free(this.inPointer);
    this.inCapacity = Math.max(samples, 4096);
    this.inPointer = this.allocate(this.inCapacity * 2);
  }

  /** Grows the output buffer, keeping the first `preserve` samples already written. */
  private reserveOutput(samples: number, preserve = 0): void {
    if (samples <= this.outCapacity) return;
    const capacity = Math.max(samples, 8192);
    const pointer = this.allocate(capacity * 2);
    if (this.outPointer !== 0) {
      const heap = this.speex.HEAP16;
      heap.copyWithin(pointer >> 1, this.outPointer >> 1, (this.outPointer >> 1) + preserve);
      this.speex._free(this.outPointer);
    }
    this.outPointer = pointer;
    this.outCapacity = capacity;
  }

  private allocate(bytes: number): number {
    const pointer = this.speex._malloc(bytes);
    if (pointer === 0) throw new Error(`speex resampler: out of wasm memory allocating ${bytes} bytes`);
    return pointer;
  }
}

function concat(parts: readonly Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0] ?? EMPTY;
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
