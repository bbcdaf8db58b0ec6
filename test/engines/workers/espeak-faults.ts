/** Test-only worker entry: the real espeak worker, failing on purpose when a segment's text is one of FAULTS. */
import type { EngineChunk } from '../../../src/engines/engine.js';
import { espeakJobHandler } from '../../../src/engines/espeak/jobs.js';
import type { EspeakJob } from '../../../src/engines/espeak/job.js';
import { hostJobs } from '../../../src/engines/worker-host.js';
import { FAULTS } from './faults.js';

await hostJobs<EspeakJob, EngineChunk>(async () => {
  const real = await espeakJobHandler();
  return (job, context) => {
    if (job.input.includes(FAULTS.crash)) process.exit(70);
    if (job.input.includes(FAULTS.hang)) for (;;);
    if (job.input.includes(FAULTS.trap)) {
      real({ ...job, input: 'Almost there.' }, context);
      throw new WebAssembly.RuntimeError('unreachable');
    }
    real(job, context);
  };
});
