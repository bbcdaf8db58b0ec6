/**
 * The server's Prometheus metrics, in a Registry of their own (never prom-client's global one, so two servers
 * in one process, as in the tests, never share counts). The transport records through `MetricsRecorder`,
 * once per finished request at the place the request ends; gauges are read when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where a request came in. */
export type Endpoint = 'ws_stream' | 'http_stream' | 'http_synthesize' | 'http_voices' | 'openai_speech' | 'openai_models' | 'http_other';

/**
 * `ok`, `client_closed` (the client left before the end), `shutdown` (the server's drain ended it before its
 * terminal frame was sent), `cancelled` (a `cancel` message ended it) or the error name of the catalogue.
 */
export type Outcome = string;

/** One finished request, as the transport saw it. */
export interface RequestRecord {
  readonly endpoint: Endpoint;
  readonly outcome: Outcome;
  /** Seconds from the start of the answer to its first audio; absent when no audio was sent. */
  readonly firstAudioSeconds?: number;
  /** Seconds of audio sent. */
  readonly audioSeconds: number;
  /** Wall-clock seconds from the start of the answer to its end. */
  readonly elapsedSeconds: number;
}

/**
 * The load of one engine's workers, as the gauges read it. Declared here so the transport needs nothing of
 * the engines: the composition (app.ts) hands in the registry's figures, which have this shape.
 */
export interface WorkerLoad {
  /** Workers running a segment. */
  readonly busy: number;
  /** Workers ready and waiting for a segment. */
  readonly idle: number;
  /** Segments waiting for a free worker. */
  readonly queued: number;
}

/** Live numbers the server knows; read at each scrape. */
export interface ServerGauges {
  openSockets(): number;
  /** Requests accepted on WebSockets and waiting behind the one being answered. */
  queuedRequests(): number;
  httpInFlight(): number;
}

export interface MetricsRecorder {
  /** A request ended (answered, failed or abandoned). Errors in the outcome are counted too. */
  request(record: RequestRecord): void;
  /** An error that belongs to no request (a refused socket, a frame too large). */
  error(errorName: string): void;
  /** The server hands over its live gauges once it listens. */
  watch(gauges: ServerGauges): void;
}

export interface ServerMetrics extends MetricsRecorder {
  readonly registry: Registry;
  /** The exposition text and its content type. */
  scrape(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** Streaming latency is tens of milliseconds when healthy; seconds mean a queue. */
const FIRST_AUDIO_BUCKETS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];
/** Below 1 is faster than real time; an idle server on espeak-ng sits near 0.01–0.05. */
const REAL_TIME_FACTOR_BUCKETS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5];
const NON_ERROR_OUTCOMES = new Set(['ok', 'client_closed', 'shutdown', 'cancelled']);

/** `engineStats`: the load of each running engine, by engine id. */
export function createMetrics(engineStats?: () => ReadonlyMap<string, WorkerLoad>): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const histogram = (name: string, help: string, buckets: number[]): Histogram<'endpoint'> =>
    new Histogram({ name, help, labelNames: ['endpoint'] as const, buckets, registers });
  const firstAudio = histogram('voxwire_time_to_first_audio_seconds', 'Seconds from a streamed request\'s arrival to its first audio (on WebSocket including any wait behind earlier requests on the socket)', FIRST_AUDIO_BUCKETS);
  const realTimeFactor = histogram(
    'voxwire_synthesis_real_time_factor',
    'Wall-clock seconds of a successful request divided by the seconds of audio it produced (includes waits on slow clients)',
    REAL_TIME_FACTOR_BUCKETS,
  );
  const audioSeconds = new Counter({ name: 'voxwire_audio_seconds_total', help: 'Seconds of audio sent to clients', labelNames: ['endpoint'] as const, registers });
  const requests = new Counter({ name: 'voxwire_requests_total', help: 'Requests ended, by endpoint and outcome (ok, client_closed, shutdown, cancelled or an error name)', labelNames: ['endpoint', 'outcome'] as const, registers });
  const errors = new Counter({ name: 'voxwire_errors_total', help: 'Errors sent to clients, by error name', labelNames: ['error_name'] as const, registers });

  let server: ServerGauges | undefined;
  new Gauge({ name: 'voxwire_open_sockets', help: 'Open WebSocket connections', registers, collect() { this.set(server?.openSockets() ?? 0); } });
  new Gauge({ name: 'voxwire_queued_requests', help: 'WebSocket requests accepted and waiting behind the one being answered', registers, collect() { this.set(server?.queuedRequests() ?? 0); } });
  new Gauge({ name: 'voxwire_http_requests_in_flight', help: 'HTTP requests whose response has not finished', registers, collect() { this.set(server?.httpInFlight() ?? 0); } });
  new Gauge({
    name: 'voxwire_engine_workers',
    help: 'Engine worker threads by engine and state (busy, idle)',
    labelNames: ['engine', 'state'] as const,
    registers,
    collect() {
      for (const [engine, stats] of engineStats?.() ?? []) {
        this.set({ engine, state: 'busy' }, stats.busy);
        this.set({ engine, state: 'idle' }, stats.idle);
      }
    },
  });
  new Gauge({
    name: 'voxwire_engine_queued_segments',
    help: 'Text segments waiting for a free worker of their engine',
    labelNames: ['engine'] as const,
    registers,
    collect() {
      for (const [engine, stats] of engineStats?.() ?? []) this.set({ engine }, stats.queued);
    },
  });

  return {
    registry,
    request(record) {
      const { endpoint, outcome } = record;
      requests.inc({ endpoint, outcome });
      if (!NON_ERROR_OUTCOMES.has(outcome)) errors.inc({ error_name: outcome });
      if (record.audioSeconds > 0) audioSeconds.inc({ endpoint }, record.audioSeconds);
      if (record.firstAudioSeconds !== undefined) firstAudio.observe({ endpoint }, record.firstAudioSeconds);
      if (outcome === 'ok' && record.audioSeconds > 0) realTimeFactor.observe({ endpoint }, record.elapsedSeconds / record.audioSeconds);
    },
    error(errorName) {
      errors.inc({ error_name: errorName });
    },
    watch(gauges) {
      server = gauges;
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
