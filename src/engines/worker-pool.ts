/**
 * A pool of worker threads that run engine jobs off the main thread. Engine-agnostic: a job is a request
 * posted to a worker host (worker-host.ts) and a stream of outputs coming back.
 *
 * - FIFO: jobs wait in one queue and go to the first free worker in arrival order.
 * - Cancellation: each job has a shared flag the worker polls, because a busy worker cannot read messages.
 * - Crash: a worker that exits or throws fails only its current job; a fresh worker takes its place.
 * - Hang: a running job that produces nothing for `hangTimeoutMs` gets its worker terminated and replaced.
 */
import { Worker } from 'node:worker_threads';
import { EngineFailure, type EngineStats } from './engine.js';
import type { HostMessage, JobMessage } from './worker-protocol.js';

export interface WorkerPoolOptions {
  /** Module the worker runs (a .ts file under tsx, a .js file once compiled). */
  readonly entry: URL;
  readonly size: number;
  /** A running job that produces no output for this long is treated as hung. */
  readonly hangTimeoutMs: number;
  /** A worker not ready this long after it was spawned is replaced, as a failed start (default 60 s). */
  readonly startTimeoutMs?: number;
}

/** Workers that die before becoming ready this many times in a row mean the pool cannot work at all. */
const MAX_START_FAILURES = 3;
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * Worker threads cannot load TypeScript on their own, even when the parent runs under tsx: this bootstrap
 * registers tsx's loader first when the entry is a .ts file. It is inline (not a file) so `tsc` output in
 * dist/ needs nothing copied beside it.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.entry);
})().catch((error) => setImmediate(() => { throw error; }));
`;

class Job<Request, Output> {
  private static nextId = 1;
  readonly id = Job.nextId++;
  readonly cancelFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  readonly outputs: Output[] = [];
  ended = false;
  error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly request: Request) {}

  push(value: Output): void {
    if (this.ended) return;
    this.outputs.push(value);
    this.notify();
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.notify();
  }

  cancel(): void {
    Atomics.store(this.cancelFlag, 0, 1);
    this.end();
  }

  changed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

interface Slot<Request, Output> {
  readonly worker: Worker;
  ready: boolean;
  gone: boolean;
  job: Job<Request, Output> | undefined;
  watchdog: NodeJS.Timeout | undefined;
}

export class WorkerPool<Request, Output> {
  private readonly slots = new Set<Slot<Request, Output>>();
  private readonly queue: Job<Request, Output>[] = [];
  private startFailures = 0;
  private closing = false;
  private broken: EngineFailure | undefined;
  private readonly readyPromise: Promise<void>;
  private settleReady!: (error?: Error) => void;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('pool size must be >= 1');
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    // Callers that never await ready() must not see an unhandled rejection.
    this.readyPromise.catch(() => undefined);
    for (let index = 0; index < options.size; index++) this.spawn();
  }

  /** Resolves once every initial worker has started (and warmed up, if its host does so). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * Queues a job and returns its outputs. Work starts as soon as a worker is free, whether or not the caller
   * is iterating yet. Aborting `signal` (or leaving the loop) cancels the job and ends the iteration quietly.
   */
  run(request: Request, signal: AbortSignal): AsyncIterable<Output> {
    const job = new Job<Request, Output>(request);
    if (this.broken || this.closing) job.end(this.broken ?? new EngineFailure('engine is closed'));
    else if (signal.aborted) job.end();
    else {
      this.queue.push(job);
      this.dispatch();
    }
    return this.drain(job, signal);
  }

  stats(): EngineStats {
    let busy = 0;
    let idle = 0;
    for (const slot of this.slots) {
      if (slot.gone || !slot.ready) continue;
      if (slot.job) busy += 1;
      else idle += 1;
    }
    return { busy, idle, queued: this.queue.length };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.end(new EngineFailure('engine closed'));
    const exits: Promise<number>[] = [];
    for (const slot of this.slots) {
      slot.job?.end(new EngineFailure('engine closed'));
      this.retire(slot);
      exits.push(slot.worker.terminate());
    }
    this.settleReady(new EngineFailure('engine closed'));
    await Promise.all(exits);
  }

  private async *drain(job: Job<Request, Output>, signal: AbortSignal): AsyncGenerator<Output> {
    const onAbort = (): void => this.cancel(job);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        // Checked before every yield: once the abort is seen, nothing more reaches the consumer.
        if (signal.aborted) return;
        // Taken off the job as it is handed out, so a slow consumer does not keep what it already has.
        const output = job.outputs.shift();
        if (output !== undefined) {
          yield output;
          continue;
        }
        if (job.error) throw job.error;
        if (job.ended) return;
        await job.changed();
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!job.ended) this.cancel(job);
    }
  }

  private cancel(job: Job<Request, Output>): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    // A running job's worker keeps its slot until it reports `done`: it stops within one unit of work.
    job.cancel();
  }

  private spawn(): void {
    const entry = this.options.entry.href;
    const loader = entry.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, loader } });
    const slot: Slot<Request, Output> = { worker, ready: false, gone: false, job: undefined, watchdog: undefined };
    this.slots.add(slot);
    // Start-up has its own watchdog: a worker stuck loading would otherwise leave ready() pending forever.
    const startTimeoutMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    slot.watchdog = setTimeout(() => {
      if (slot.ready || slot.gone) return;
      void worker.terminate();
      this.onGone(slot, `worker did not start within ${startTimeoutMs} ms`);
    }, startTimeoutMs);
    slot.watchdog.unref();
    worker.unref();
    worker.on('message', (message: HostMessage<Output>) => this.onMessage(slot, message));
    worker.on('error', (error: Error) => this.onGone(slot, `worker crashed: ${error.message}`));
    worker.on('exit', (code: number) => this.onGone(slot, `worker exited with code ${code}`));
  }

  private onMessage(slot: Slot<Request, Output>, message: HostMessage<Output>): void {
    if (slot.gone) return;
    if (message.type === 'ready') {
      slot.ready = true;
      clearTimeout(slot.watchdog);
      slot.watchdog = undefined;
      this.startFailures = 0;
      // Ready when as many workers are up as the pool holds (a replacement does not stand in for a slow start).
      let ready = 0;
      for (const each of this.slots) if (each.ready && !each.gone) ready += 1;
      if (ready >= this.options.size) this.settleReady();
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    this.armWatchdog(slot);
    if (message.type === 'output') job.push(message.value);
    else {
      job.end(message.type === 'failed' ? new EngineFailure(message.message) : undefined);
      this.release(slot);
    }
  }

  private onGone(slot: Slot<Request, Output>, reason: string): void {
    if (slot.gone) return;
    slot.job?.end(new EngineFailure(reason));
    if (!slot.ready) this.startFailures += 1;
    this.retire(slot);
    this.replace();
  }

  /** (Re)starts the hang watchdog of a busy worker; refreshing one timer per output costs less than a new one. */
  private armWatchdog(slot: Slot<Request, Output>): void {
    if (slot.watchdog !== undefined) {
      slot.watchdog.refresh();
      return;
    }
    slot.watchdog = setTimeout(() => {
      if (slot.gone) return;
      slot.job?.end(new EngineFailure(`engine produced nothing for ${this.options.hangTimeoutMs} ms`));
      this.retire(slot);
      void slot.worker.terminate();
      this.replace();
    }, this.options.hangTimeoutMs);
  }

  private replace(): void {
    if (this.closing) return;
    if (this.startFailures >= MAX_START_FAILURES) {
      this.broken = new EngineFailure('engine workers fail to start');
      for (const job of this.queue.splice(0)) job.end(this.broken);
      this.settleReady(this.broken);
      return;
    }
    this.spawn();
  }

  private retire(slot: Slot<Request, Output>): void {
    slot.gone = true;
    slot.job = undefined;
    clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    this.slots.delete(slot);
  }

  private release(slot: Slot<Request, Output>): void {
    slot.job = undefined;
    clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    // An idle pool must not keep the process alive; a busy one must, or a pending job could be dropped.
    slot.worker.unref();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || slot.gone) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      slot.worker.ref();
      this.armWatchdog(slot);
      const cancel = job.cancelFlag.buffer as SharedArrayBuffer;
      const message: JobMessage<Request> = { type: 'job', id: job.id, request: job.request, cancel };
      slot.worker.postMessage(message);
    }
  }
}
