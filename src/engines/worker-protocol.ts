/** Messages between the worker pool (main thread) and a worker host (worker thread). */

export interface JobMessage<Request> {
  readonly type: 'job';
  readonly id: number;
  readonly request: Request;
  /** Int32Array[0] becomes 1 when the job is cancelled; the worker polls it while busy in synchronous code. */
  readonly cancel: SharedArrayBuffer;
}

export type HostMessage<Output> =
  | { readonly type: 'ready' }
  | { readonly type: 'output'; readonly id: number; readonly value: Output }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
