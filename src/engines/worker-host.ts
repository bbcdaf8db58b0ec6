/**
 * The worker-thread side of the pool: receives one job at a time, runs it, and reports outputs, completion
 * or failure. Engine workers supply only the job handler.
 */
import { parentPort } from 'node:worker_threads';
import type { HostMessage, JobMessage } from './worker-protocol.js';

export interface JobContext<Output> {
  /** True once the pool cancelled this job; check it between units of work. */
  cancelled(): boolean;
  /** Sends one output to the pool; `transfer` moves buffers instead of copying them. */
  emit(value: Output, transfer?: readonly ArrayBuffer[]): void;
}

/** Synchronous, or async for engines whose runtime hands results back in a promise (onnxruntime's run()). */
export type JobHandler<Request, Output> = (request: Request, context: JobContext<Output>) => void | Promise<void>;

export async function hostJobs<Request, Output>(init: () => Promise<JobHandler<Request, Output>>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hostJobs must run in a worker thread');
  const handler = await init();
  const post = (message: HostMessage<Output>, transfer?: readonly ArrayBuffer[]): void =>
    port.postMessage(message, transfer ? [...transfer] : undefined);

  // The pool sends a worker its next job only after `done` or `failed`, so an async job never overlaps another.
  port.on('message', async (message: JobMessage<Request>) => {
    const flag = new Int32Array(message.cancel);
    const context: JobContext<Output> = {
      cancelled: () => Atomics.load(flag, 0) !== 0,
      emit: (value, transfer) => post({ type: 'output', id: message.id, value }, transfer),
    };
    try {
      await handler(message.request, context);
      post({ type: 'done', id: message.id });
    } catch (error) {
      post({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
}
