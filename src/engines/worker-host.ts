/**
 * The worker-thread side of the pool: receives one job at a time, runs it, and reports outputs, completion
 * or failure. Engine workers supply only the job handler.
 */
import { parentPort } from 'node:worker_threads';
import { CONTROL, JOB_STATE, type HostMessage, type JobMessage } from './worker-protocol.js';

export interface JobContext<Output> {
  /** True once the pool cancelled this job; check it between units of work (each check counts as progress). */
  cancelled(): boolean;
  /**
   * Sends one output to the pool; `transfer` moves buffers instead of copying them. Blocks while the job's
   * window of outputs the consumer has not taken yet is full, so a consumer that stops reading stops the work,
   * except while other jobs wait for a worker (then the job runs to its end and frees this one).
   */
  emit(value: Output, transfer?: readonly ArrayBuffer[]): void;
}

/** Synchronous, or async for engines whose runtime hands results back in a promise (onnxruntime's run()). */
export type JobHandler<Request, Output> = (request: Request, context: JobContext<Output>) => void | Promise<void>;

/** How long one wait for the consumer lasts before the cancel flag is checked again (cancel also wakes it). */
const CONSUMER_WAIT_MS = 1000;

export async function hostJobs<Request, Output>(init: () => Promise<JobHandler<Request, Output>>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('hostJobs must run in a worker thread');
  const handler = await init();
  const post = (message: HostMessage<Output>, transfer?: readonly ArrayBuffer[]): void =>
    port.postMessage(message, transfer ? [...transfer] : undefined);

  // The pool sends a worker its next job only after `done` or `failed`, so an async job never overlaps another.
  port.on('message', async (message: JobMessage<Request>) => {
    const control = new Int32Array(message.control);
    const contention = new Int32Array(message.contention);
    const cancelled = (): boolean => {
      Atomics.add(control, CONTROL.progress, 1);
      return Atomics.load(control, CONTROL.cancel) !== 0;
    };
    let emitted = 0;
    const context: JobContext<Output> = {
      cancelled,
      emit: (value, transfer) => {
        post({ type: 'output', id: message.id, value }, transfer);
        emitted += 1;
        for (;;) {
          const taken = Atomics.load(control, CONTROL.taken);
          if (emitted - taken < message.window || cancelled() || Atomics.load(contention, 0) > 0) break;
          Atomics.store(control, CONTROL.state, JOB_STATE.waitingForConsumer);
          Atomics.wait(control, CONTROL.taken, taken, CONSUMER_WAIT_MS);
          Atomics.store(control, CONTROL.state, JOB_STATE.running);
        }
      },
    };
    try {
      await handler(message.request, context);
      Atomics.store(control, CONTROL.state, JOB_STATE.ended);
      post({ type: 'done', id: message.id });
    } catch (error) {
      Atomics.store(control, CONTROL.state, JOB_STATE.ended);
      post({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
}
