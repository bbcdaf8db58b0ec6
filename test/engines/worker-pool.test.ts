/**
 * The worker pool on an engine-less test worker: backpressure (a consumer that stops taking stops the worker),
 * replacement after a failed job, and a hang watchdog that measures the worker's own progress.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineFailure } from '../../src/engines/engine.js';
import { WorkerPool, type WorkerPoolOptions } from '../../src/engines/worker-pool.js';
import { sleep, waitUntil } from '../reliability/wait.js';
import { COUNTER_WORKER, type CounterJob, type CounterOutput } from './workers/faults.js';

const WINDOW = 4;

function pool(options: Partial<WorkerPoolOptions> = {}): WorkerPool<CounterJob, CounterOutput> {
  return new WorkerPool<CounterJob, CounterOutput>({ entry: COUNTER_WORKER, size: 1, hangTimeoutMs: 10_000, outputWindow: WINDOW, ...options });
}

async function collect(outputs: AsyncIterable<CounterOutput>): Promise<CounterOutput[]> {
  const all: CounterOutput[] = [];
  for await (const output of outputs) all.push(output);
  return all;
}

/** Busy-waits the main thread, as a long synchronous task in the server would. */
function stallMainThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Runs `body` on a fresh, ready pool and closes it afterwards. */
async function withPool(options: Partial<WorkerPoolOptions>, body: (workers: WorkerPool<CounterJob, CounterOutput>) => Promise<void>): Promise<void> {
  const workers = pool(options);
  try {
    await workers.ready();
    await body(workers);
  } finally {
    await workers.close();
  }
}

/** Starts a job, takes its first output and waits until its worker has filled the window for a consumer that takes nothing more. */
async function stalledJob(workers: WorkerPool<CounterJob, CounterOutput>, job: CounterJob, signal = new AbortController().signal): Promise<{ iterator: AsyncIterator<CounterOutput>; first: CounterOutput }> {
  const iterator = workers.run(job, signal)[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  await waitUntil(() => workers.stats().held >= WINDOW - 1, 10_000, 'the window filled');
  return { iterator, first: first.value as CounterOutput };
}

async function rest(iterator: AsyncIterator<CounterOutput>): Promise<CounterOutput[]> {
  const outputs: CounterOutput[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) outputs.push(next.value);
  return outputs;
}

describe('worker pool backpressure', () => {
  it('a consumer that stops taking holds at most the window of outputs; taking again resumes the job', async () => {
    await withPool({}, async (workers) => {
      const { iterator, first } = await stalledJob(workers, { kind: 'count', count: 2000 });
      const heldMax: number[] = [];
      for (let check = 0; check < 10; check += 1) {
        await sleep(50);
        heldMax.push(workers.stats().held);
      }
      assert.ok(Math.max(...heldMax) <= WINDOW, `held ${heldMax.join(',')}: a worker without backpressure would have sent all 2000`);
      assert.equal(workers.stats().busy, 1, 'the job is still running (waiting), not finished');
      const outputs = [first, ...(await rest(iterator))];
      assert.deepEqual(outputs.map((output) => output.index), Array.from({ length: 2000 }, (_, index) => index));
      assert.equal(workers.stats().held, 0);
    });
  });

  it('a worker waiting for its consumer gives way when another job waits: it finishes its job and frees the slot', async () => {
    await withPool({}, async (workers) => {
      const { iterator } = await stalledJob(workers, { kind: 'count', count: 500 });
      // The only worker waits on a consumer that takes nothing; without giving way this would never finish.
      const other = await collect(workers.run({ kind: 'count', count: 3 }, new AbortController().signal));
      assert.deepEqual(other.map((output) => output.index), [0, 1, 2]);
      assert.equal(workers.stats().held, 499, 'the stalled job ran to its end, held for its consumer');
      assert.equal((await rest(iterator)).length, 499);
    });
  });

  it('cancelling a job whose worker waits for its consumer frees the worker at once', async () => {
    await withPool({}, async (workers) => {
      const controller = new AbortController();
      const { iterator } = await stalledJob(workers, { kind: 'count', count: 1_000_000 }, controller.signal);
      controller.abort();
      assert.equal((await iterator.next()).done, true);
      const next = await collect(workers.run({ kind: 'count', count: 3 }, new AbortController().signal));
      assert.deepEqual(next.map((output) => output.index), [0, 1, 2]);
    });
  });
});

describe('worker pool failures', () => {
  it('a worker whose job failed (a wasm trap) is replaced, and the next job runs on the new worker', async () => {
    await withPool({}, async (workers) => {
      const seen: CounterOutput[] = [];
      await assert.rejects(async () => {
        for await (const output of workers.run({ kind: 'trap' }, new AbortController().signal)) seen.push(output);
      }, (error: unknown) => error instanceof EngineFailure && /unreachable/.test(error.message));
      const next = await collect(workers.run({ kind: 'count', count: 2 }, new AbortController().signal));
      assert.equal(next.length, 2);
      assert.notEqual(next[0]!.threadId, seen[0]!.threadId, 'the failed worker is not used again');
    });
  });

  it('a hung worker is replaced after the hang timeout', async () => {
    await withPool({ hangTimeoutMs: 500 }, async (workers) => {
      await assert.rejects(collect(workers.run({ kind: 'hang' }, new AbortController().signal)), (error: unknown) => error instanceof EngineFailure && /no progress/.test(error.message));
      assert.equal((await collect(workers.run({ kind: 'count', count: 1 }, new AbortController().signal))).length, 1);
    });
  });

  it('a 2 s main-thread stall kills no worker, whether it is working or waiting for its consumer', async () => {
    await withPool({ size: 2, hangTimeoutMs: 500 }, async (workers) => {
      const working = collect(workers.run({ kind: 'work', ms: 3000 }, new AbortController().signal));
      const { iterator: waiting, first } = await stalledJob(workers, { kind: 'count', count: 100 });
      stallMainThread(2000);
      // Longer than the hang timeout again, with the main thread free: the watchdog has its chances to fire.
      await sleep(1500);
      const worked = await working;
      assert.ok(worked.length >= 20, `the working job ran to its end (${worked.length} outputs)`);
      assert.equal((await rest(waiting)).length, 99);
      const threads = new Set([...worked.map((output) => output.threadId), first.threadId]);
      const after = await collect(workers.run({ kind: 'count', count: 1 }, new AbortController().signal));
      assert.ok(threads.has(after[0]!.threadId), 'the same workers still serve');
    });
  });
});
