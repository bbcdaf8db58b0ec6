/** Segment texts that make the test worker (espeak-faults.ts) fail in each way a real worker can. */
export const FAULTS = {
  /** The thread exits, as after a fatal error. */
  crash: 'voxwire-test-fault:crash',
  /** The thread spins forever, as an engine stuck in a loop. */
  hang: 'voxwire-test-fault:hang',
  /** Some real audio, then a WebAssembly trap, as a wasm engine that hits `unreachable`. */
  trap: 'voxwire-test-fault:trap',
} as const;

/** The test worker entries, to pass as the engine's `workerEntry`. */
export const FAULTY_WORKER = new URL('./espeak-faults.ts', import.meta.url);
export const START_HANG_WORKER = new URL('./start-hang.ts', import.meta.url);

/** The engine-less test worker (counter.ts): jobs that only count, so the pool's behaviour is all that shows. */
export const COUNTER_WORKER = new URL('./counter.ts', import.meta.url);

export type CounterJob =
  /** `count` outputs, as fast as the pool lets them go. */
  | { readonly kind: 'count'; readonly count: number }
  /** Busy for `ms` (checking for cancellation all along), with one output every 100 ms and one at the end. */
  | { readonly kind: 'work'; readonly ms: number }
  /** One output, then a WebAssembly trap. */
  | { readonly kind: 'trap' }
  /** Spins forever without checking anything. */
  | { readonly kind: 'hang' };

export interface CounterOutput {
  /** The worker thread that produced it: a replaced worker has a new one. */
  readonly threadId: number;
  readonly index: number;
}
