/** What the transport layer needs from the rest of the server, wired once at start-up. */
import type { Logger } from 'pino';
import type { Places } from './connection-limits.js';
import type { ServerMetrics } from './metrics.js';
import type { OpenAiVoiceTable } from '../protocol/openai-voices.js';
import type { SynthesisPipeline } from '../synthesis/speech.js';
import type { VoiceCatalogue } from '../voices/catalogue.js';
import type { VoiceLibrary } from '../library/library.js';
import type { RescanReport } from '../voices/models.js';

export interface ServerContext {
  readonly pipeline: SynthesisPipeline;
  readonly voices: VoiceCatalogue;
  readonly openAi: {
    /** OpenAI's voice names → voxwire voices, for /v1/audio/speech. */
    readonly voices: OpenAiVoiceTable;
    /** AAC streams that may be open at once: each holds an encoder thread. */
    readonly aacStreams: Places;
  };
  /** User voices and voice designs; its voices are a source of `voices`. */
  readonly library: VoiceLibrary;
  readonly log: Logger;
  /** Where each request's end is recorded (and scraped from on /metrics). */
  readonly metrics: ServerMetrics;
  /** Milliseconds a streamed request waits for text before it speaks what it holds and ends (default 30 s). */
  readonly textStreamIdleMs?: number;
  /** Scans the data folder for voice models again (POST /admin/voices/rescan). */
  readonly rescanVoices: () => Promise<RescanReport>;
}
