/** Messages between the worker pool (main thread) and a worker host (worker thread). */

/**
 * Slots of a job's control array (an Int32Array over a SharedArrayBuffer both threads see). Shared memory,
 * not messages, because a busy worker cannot read messages and a stalled main thread cannot read them either.
 */
export const CONTROL = {
  /** Becomes 1 when the job is cancelled; the worker polls it while busy in synchronous code. */
  cancel: 0,
  /** Outputs the consumer has taken so far (the pool increments it and wakes the worker). */
  taken: 1,
  /** Incremented by the worker as it works: the hang watchdog's measure of progress. */
  progress: 2,
  /** What the worker is doing with the job: one of JOB_STATE. */
  state: 3,
} as const;
export const CONTROL_SLOTS = 4;

export const JOB_STATE = {
  running: 0,
  /** Blocked until the consumer takes outputs: not progressing, and not hung either. */
  waitingForConsumer: 1,
  /** The job ended on the worker (its `done` or `failed` message may still be on the way). */
  ended: 2,
} as const;

export interface JobMessage<Request> {
  readonly type: 'job';
  readonly id: number;
  readonly request: Request;
  /** The job's control array (CONTROL). */
  readonly control: SharedArrayBuffer;
  /** Outputs the worker may send beyond what the consumer has taken before it waits. */
  readonly window: number;
  /** Int32Array[0]: jobs waiting for a worker; while it is above 0 the worker never waits for its consumer. */
  readonly contention: SharedArrayBuffer;
}

export type HostMessage<Output> =
  | { readonly type: 'ready' }
  | { readonly type: 'output'; readonly id: number; readonly value: Output }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
