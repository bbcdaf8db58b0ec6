/** Worker-thread entry: one espeak-ng instance serving jobs from the pool. */
import type { EngineChunk } from '../engine.js';
import { hostJobs } from '../worker-host.js';
import type { EspeakJob } from './job.js';
import { espeakJobHandler } from './jobs.js';

await hostJobs<EspeakJob, EngineChunk>(espeakJobHandler);
