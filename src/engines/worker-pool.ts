/**
 * A pool of worker threads that run engine jobs off the main thread. Engine-agnostic: a job is a request
 * posted to a worker host (worker-host.ts) and a stream of outputs coming back.
 *
 * - FIFO: jobs wait in one queue and go to the first free worker in arrival order.
 * - Cancellation: each job has a shared flag the worker polls, because a busy worker cannot read messages.
 * - Backpressure: a worker sends at most `outputWindow` outputs beyond what the consumer has taken, then
 *   waits, so a consumer that stops reading (a client that never reads) holds a bounded amount of output. A
 *   waiting worker still holds its slot, so while other jobs wait for a worker it does not wait: it finishes
 *   its job (one segment, bounded by the segmenter) and frees the slot. Otherwise a few clients that stop
 *   reading, or requests prefetched behind the one being sent on the same socket, could take every worker
 *   and leave the jobs everyone waits for queued forever.
 * - Failure: a worker that exits, throws, or whose job failed (a wasm trap leaves its instance in an unknown
 *   state) fails only its current job; a fresh worker takes its place.
 * - Hang: a running job whose worker makes no progress for `hangTimeoutMs` gets its worker terminated and
 *   replaced. Progress is a counter the worker itself increments in shared memory, so a stalled main thread
 *   (which delays messages, not the worker) kills nothing, and a worker waiting for its consumer is not hung.
 */
import { Worker } from 'node:worker_threads';
import { EngineFailure, type EngineStats } from './engine.js';
import { CONTROL, CONTROL_SLOTS, JOB_STATE, type HostMessage, type JobMessage } from './worker-protocol.js';

export interface WorkerPoolOptions {
  /** Module the worker runs (a .ts file under tsx, a .js file once compiled). */
  readonly entry: URL;
  readonly size: number;
  /** A running job whose worker makes no progress for this long is treated as hung. */
  readonly hangTimeoutMs: number;
  /** Outputs a worker may send beyond what the consumer has taken before it waits (default 4). */
  readonly outputWindow?: number;
  /** A worker not ready this long after it was spawned is replaced, as a failed start (default 60 s). */
  readonly startTimeoutMs?: number;
}

/** Workers that die before becoming ready this many times in a row mean the pool cannot work at all. */
const MAX_START_FAILURES = 3;
const DEFAULT_START_TIMEOUT_MS = 60_000;
/** A few engine buffers: enough that the worker rarely waits on a consumer that keeps up, small when one does not. */
const DEFAULT_OUTPUT_WINDOW = 4;
/** The hang watchdog looks at a worker's progress this many times per timeout. */
const WATCHDOG_CHECKS_PER_TIMEOUT = 4;

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
  readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
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

  /** Hands out the oldest output and lets the worker send one more. */
  take(): Output | undefined {
    const output = this.outputs.shift();
    if (output !== undefined) {
      Atomics.add(this.control, CONTROL.taken, 1);
      Atomics.notify(this.control, CONTROL.taken);
    }
    return output;
  }

  cancel(): void {
    Atomics.store(this.control, CONTROL.cancel, 1);
    // A worker waiting for the consumer waits on `taken`: wake it so it sees the cancel at once.
    Atomics.notify(this.control, CONTROL.taken);
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
  /** The job's progress counter when the watchdog last saw it move, and when that was. */
  progress: number;
  progressAt: number;
}

export class WorkerPool<Request, Output> {
  private readonly slots = new Set<Slot<Request, Output>>();
  private readonly queue: Job<Request, Output>[] = [];
  /** Jobs whose consumer has not finished with them: their untaken outputs are what the pool holds. */
  private readonly live = new Set<Job<Request, Output>>();
  /** [0]: jobs waiting for a worker, seen by every worker: while it is above 0, none waits for its consumer. */
  private readonly contention = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
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
    // Listened to from here, not from the first iteration: a job whose outputs are never asked for must still
    // stop (and free its worker) when its request is aborted.
    const onAbort = (): void => this.cancel(job);
    signal.addEventListener('abort', onAbort, { once: true });
    return this.drain(job, signal, onAbort);
  }

  stats(): EngineStats {
    let busy = 0;
    let idle = 0;
    for (const slot of this.slots) {
      if (slot.gone || !slot.ready) continue;
      if (slot.job) busy += 1;
      else idle += 1;
    }
    let held = 0;
    for (const job of this.live) held += job.outputs.length;
    return { busy, idle, queued: this.queue.length, held };
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

  private async *drain(job: Job<Request, Output>, signal: AbortSignal, onAbort: () => void): AsyncGenerator<Output> {
    this.live.add(job);
    try {
      for (;;) {
        // Checked before every yield: once the abort is seen, nothing more reaches the consumer.
        if (signal.aborted) return;
        // Taken off the job as it is handed out, so a slow consumer does not keep what it already has.
        const output = job.take();
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
      this.live.delete(job);
      if (!job.ended) this.cancel(job);
    }
  }

  private cancel(job: Job<Request, Output>): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.noteContention();
    }
    // A running job's worker keeps its slot until it reports `done`: it stops within one unit of work.
    job.cancel();
  }

  /** Publishes how many jobs wait for a worker; when some do, wakes workers waiting for their consumers. */
  private noteContention(): void {
    Atomics.store(this.contention, 0, this.queue.length);
    if (this.queue.length === 0) return;
    for (const slot of this.slots) if (slot.job) Atomics.notify(slot.job.control, CONTROL.taken);
  }

  private spawn(): void {
    const entry = this.options.entry.href;
    const loader = entry.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, loader } });
    const slot: Slot<Request, Output> = { worker, ready: false, gone: false, job: undefined, watchdog: undefined, progress: 0, progressAt: 0 };
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
    if (message.type === 'output') job.push(message.value);
    else if (message.type === 'done') {
      job.end();
      this.release(slot);
    } else {
      // A failed job (a wasm trap, an abort) may have left the engine's memory in any state: the worker goes.
      job.end(new EngineFailure(message.message));
      this.retire(slot);
      void slot.worker.terminate();
      this.replace();
    }
  }

  private onGone(slot: Slot<Request, Output>, reason: string): void {
    if (slot.gone) return;
    slot.job?.end(new EngineFailure(reason));
    if (!slot.ready) this.startFailures += 1;
    this.retire(slot);
    this.replace();
  }

  /**
   * Watches a busy worker's own progress counter. The clock only runs while the counter stands still and the
   * worker says it is running: after a main-thread stall the first check sees the counter moved, so the stall
   * is not counted against the worker.
   */
  private armWatchdog(slot: Slot<Request, Output>, job: Job<Request, Output>): void {
    slot.progress = Atomics.load(job.control, CONTROL.progress);
    slot.progressAt = performance.now();
    const timeout = this.options.hangTimeoutMs;
    slot.watchdog = setInterval(() => {
      if (slot.gone || slot.job !== job) return;
      const progress = Atomics.load(job.control, CONTROL.progress);
      const now = performance.now();
      if (progress !== slot.progress || Atomics.load(job.control, CONTROL.state) !== JOB_STATE.running) {
        slot.progress = progress;
        slot.progressAt = now;
        return;
      }
      if (now - slot.progressAt < timeout) return;
      job.end(new EngineFailure(`engine made no progress for ${timeout} ms`));
      this.retire(slot);
      void slot.worker.terminate();
      this.replace();
    }, Math.max(1, Math.round(timeout / WATCHDOG_CHECKS_PER_TIMEOUT)));
  }

  private replace(): void {
    if (this.closing) return;
    if (this.startFailures >= MAX_START_FAILURES) {
      this.broken = new EngineFailure('engine workers fail to start');
      for (const job of this.queue.splice(0)) job.end(this.broken);
      this.noteContention();
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
      if (!job) break;
      slot.job = job;
      slot.worker.ref();
      this.armWatchdog(slot, job);
      const control = job.control.buffer as SharedArrayBuffer;
      const window = this.options.outputWindow ?? DEFAULT_OUTPUT_WINDOW;
      const contention = this.contention.buffer as SharedArrayBuffer;
      const message: JobMessage<Request> = { type: 'job', id: job.id, request: job.request, control, window, contention };
      slot.worker.postMessage(message);
    }
    this.noteContention();
  }
}
