/** Test-only worker entry without an engine: see CounterJob. */
import { threadId } from 'node:worker_threads';
import { hostJobs } from '../../../src/engines/worker-host.js';
import type { CounterJob, CounterOutput } from './faults.js';

await hostJobs<CounterJob, CounterOutput>(async () => (job, context) => {
  switch (job.kind) {
    case 'count':
      for (let index = 0; index < job.count && !context.cancelled(); index += 1) context.emit({ threadId, index });
      return;
    case 'work': {
      const startedAt = performance.now();
      let index = 0;
      let nextOutputAt = startedAt + 100;
      while (performance.now() - startedAt < job.ms) {
        if (context.cancelled()) return;
        if (performance.now() >= nextOutputAt) {
          context.emit({ threadId, index: index++ });
          nextOutputAt += 100;
        }
      }
      context.emit({ threadId, index });
      return;
    }
    case 'trap':
      context.emit({ threadId, index: 0 });
      throw new WebAssembly.RuntimeError('unreachable');
    case 'hang':
      for (;;);
  }
});
