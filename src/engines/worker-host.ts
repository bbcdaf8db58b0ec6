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

export type JobHandler<Request, Output> = (request: Request, context: JobContext<Output>) => void;

export async function hostJobs<Request, Output>(init: () => Promise<JobHandler<Request, Output>>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hostJobs must run in a worker thread');
  const handler = await init();
  const post = (message: HostMessage<Output>, transfer?: readonly ArrayBuffer[]): void =>
    port.postMessage(message, transfer ? [...transfer] : undefined);

  port.on('message', (message: JobMessage<Request>) => {
    const flag = new Int32Array(message.cancel);
    const context: JobContext<Output> = {
      cancelled: () => Atomics.load(flag, 0) !== 0,
      emit: (value, transfer) => post({ type: 'output', id: message.id, value }, transfer),
    };
    try {
      handler(message.request, context);
      post({ type: 'done', id: message.id });
    } catch (error) {
      post({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
}
