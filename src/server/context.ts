/** What the transport layer needs from the rest of the server, wired once at start-up. */
import type { Logger } from 'pino';
import type { ServerMetrics } from './metrics.js';
import type { SynthesisPipeline } from '../synthesis/speech.js';
import type { VoiceCatalogue } from '../voices/catalogue.js';

export interface ServerContext {
  readonly pipeline: SynthesisPipeline;
  readonly voices: VoiceCatalogue;
  readonly log: Logger;
  /** Where each request's end is recorded (and scraped from on /metrics). */
  readonly metrics: ServerMetrics;
  /** Milliseconds a streamed request waits for text before it speaks what it holds and ends (default 30 s). */
  readonly textStreamIdleMs?: number;
}
