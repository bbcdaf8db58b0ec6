/** What the transport layer needs from the rest of the server, wired once at start-up. */
import type { Logger } from 'pino';
import type { ServerMetrics } from './metrics.js';
import type { SynthesisPipeline } from '../synthesis/pipeline.js';
import type { VoiceCatalogue } from '../voices/catalogue.js';
import type { RescanReport } from '../voices/models.js';

export interface ServerContext {
  readonly pipeline: SynthesisPipeline;
  readonly voices: VoiceCatalogue;
  readonly log: Logger;
  /** Where each request's end is recorded (and scraped from on /metrics). */
  readonly metrics: ServerMetrics;
  /** Scans the data folder for voice models again (POST /admin/voices/rescan). */
  readonly rescanVoices: () => Promise<RescanReport>;
}
