/**
 * Listening and shutdown, and the wiring of the transport's pieces: the door every HTTP request meets (browser
 * rules), the ops routes, the HTTP router (http/router.ts) and the WebSocket side (websockets.ts). Knows HTTP and
 * sockets, nothing of engines: requests are handed to the protocol layer through the ServerContext.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VoxwireError } from '../protocol/errors.js';
import type { KeyVerifier } from '../keys/verifier.js';
import { answerPreflight, applyCorsHeaders, checkBrowserRules, isPreflight, resolveLoopbackHost, systemLookup, type HostLookup } from './browser-rules.js';
import { ConnectionLimits, type ConnectionGate, type LimitSettings } from './connection-limits.js';
import type { ServerContext } from './context.js';
import { createHttpRouter, type HttpRouter } from './http/router.js';
import { createOpsRoutes, OPS_METHODS, type OpsRoutes } from './ops.js';
import { createPageRoutes } from './pages.js';
import { applySecurityHeaders, sendError, transportFailure } from './http/responses.js';
import type { StreamSession } from './stream-session.js';
import { createWebSocketSide, parseTarget } from './websockets.js';

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly limits: LimitSettings;
  /** How long running requests may go on after shutdown starts. */
  readonly shutdownGraceMs: number;
  /** Interval of the server's pings; a socket that misses one whole interval is dropped. */
  readonly heartbeatMs: number;
  /** A second port that serves only /metrics, /health and /ready (0 = any free port); absent: none. */
  readonly metricsPort?: number;
  /** Settles when the engines are warm; until then /ready answers 503. Absent: ready once listening. */
  readonly warmUp?: Promise<unknown>;
  /** Web origins (normalized) whose pages may call the server besides its own (protocol.md section 5). */
  readonly allowedOrigins?: readonly string[];
  /** Resolves `host` before a keyless server listens; the system resolver when absent. */
  readonly lookup?: HostLookup;
  /** Where slots are taken (the cluster's shared limits); absent: this node's own, from `limits`. */
  readonly gate?: ConnectionGate;
  /** What the node serves without (Redis or the database away), shown as /ready's reason while it stays ready. */
  readonly degraded?: () => string | undefined;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  /** The metrics port's base URL, when one was asked for. */
  readonly metricsUrl: string | undefined;
  /** Open WebSocket sessions. */
  readonly sessions: ReadonlySet<StreamSession>;
  /** Stops accepting, lets running requests finish within the grace period, then closes sockets with 1001. */
  close(): Promise<void>;
}

/**
 * A connection must finish its request headers (an upgrade included) this soon, and its whole request
 * body within REQUEST_TIMEOUT_MS; otherwise it is closed, so slowloris and silent TCP connections cannot
 * pile up. Node checks these every CONNECTIONS_CHECK_MS (its default, 30 s, would let them linger).
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
const CONNECTIONS_CHECK_MS = 1_000;
const HTTP_TIMEOUTS = { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_MS };

/** After the grace period, how long the 503s sent to unfinished HTTP requests get to leave before the cut. */
const LAST_WORDS_MS = 100;

export async function startServer(
  context: ServerContext,
  verifier: KeyVerifier,
  settings: ServerSettings,
): Promise<RunningServer> {
  // Listening on the very address that was checked: resolving the name again could give another.
  const address = verifier.hasKeys() ? settings.host : (await resolveLoopbackHost(settings.host, settings.lookup ?? systemLookup))[0]!;
  const allowedOrigins = new Set(settings.allowedOrigins ?? []);
  const limits = settings.gate ?? new ConnectionLimits(settings.limits);
  let draining = false;
  let warmth: 'warm' | 'warming up' | 'engine failed' = settings.warmUp === undefined ? 'warm' : 'warming up';
  settings.warmUp?.then(
    () => (warmth = 'warm'),
    () => (warmth = 'engine failed'),
  );
  const ops = createOpsRoutes(context.metrics, () => (draining ? 'draining' : warmth === 'warm' ? undefined : warmth), settings.degraded);
  const router = createHttpRouter({ context, verifier, limits });
  const pages = createPageRoutes();
  const door = { context, verifier, allowedOrigins, ops, router };
  const sockets = createWebSocketSide({ context, verifier, limits, allowedOrigins, heartbeatMs: settings.heartbeatMs });

  const http = createServer(HTTP_TIMEOUTS, (request, response) => {
    applySecurityHeaders(response);
    if (answeredAtTheDoor(door, request, response)) return;
    if (!ops.handle(request, response) && !pages.handle(request, response)) router.handle(request, response);
  });
  context.metrics.watch({
    openSockets: () => sockets.sessions.size,
    queuedRequests: () => [...sockets.sessions].reduce((sum, session) => sum + session.queued, 0),
    httpInFlight: () => router.inFlight,
  });
  http.on('upgrade', sockets.upgrade);

  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  let port: number;
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  try {
    port = await listen(http, settings.port, address);
    if (settings.metricsPort !== undefined) {
      metricsServer = createMetricsServer(door);
      metricsUrl = `http://${hostForUrl}:${await listen(metricsServer, settings.metricsPort, address)}`;
    }
  } catch (error) {
    sockets.stopAccepting();
    http.close();
    throw error;
  }
  context.log.info(
    { host: settings.host, port, auth: verifier.hasKeys() ? 'api keys' : 'none (loopback only)' },
    verifier.hasKeys() ? 'voxwire listening' : 'voxwire listening without API keys: loopback clients only',
  );

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    // A second caller waits for the same drain instead of returning while it still runs.
    closing ??= drain();
    return closing;
  }

  async function drain(): Promise<void> {
    draining = true;
    sockets.stopAccepting();
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    const deadline = Date.now() + settings.shutdownGraceMs;
    while (Date.now() < deadline && (router.inFlight > 0 || sockets.busy())) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    sockets.closeAll();
    // An HTTP request still unanswered is told so (503), rather than reset; one mid-stream can only be cut.
    if (router.abandon() > 0) await new Promise((resolve) => setTimeout(resolve, LAST_WORDS_MS));
    await new Promise((resolve) => setTimeout(resolve, 50));
    sockets.terminate();
    http.closeAllConnections();
    await stopped;
    // Last, so that probes on the metrics port see /ready go 503 for the whole drain.
    if (metricsServer !== undefined) {
      const server = metricsServer;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  return { url: `http://${hostForUrl}:${port}`, port, http, metricsUrl, sessions: sockets.sessions, close };
}

/** What the first check of every HTTP request needs. */
interface Door {
  readonly context: ServerContext;
  readonly verifier: KeyVerifier;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly ops: OpsRoutes;
  readonly router: HttpRouter;
}

/**
 * What every HTTP request (both ports) meets first: a target that is no URL is refused (the routes parse it
 * again and must not throw), then the browser rules. True when the request was answered here.
 */
function answeredAtTheDoor({ context, verifier, allowedOrigins, ops, router }: Door, request: IncomingMessage, response: ServerResponse): boolean {
  const url = parseTarget(request.url);
  if (url === undefined) {
    void sendError(request, response, new VoxwireError('InvalidRequest', 'The request target is not a valid path.'));
    return true;
  }
  const verdict = checkBrowserRules(request.headers, !verifier.hasKeys(), allowedOrigins);
  // The path only: a query may hold `api_key`.
  const pathname = url.pathname;
  if (!verdict.ok) {
    context.log.info({ method: request.method, path: pathname, host: request.headers.host ?? null, origin: request.headers.origin ?? null, status: 403 }, 'browser request refused');
    void sendError(request, response, transportFailure(403, verdict.reason));
    return true;
  }
  if (verdict.corsOrigin === undefined) return false;
  applyCorsHeaders(response, verdict.corsOrigin);
  if (!isPreflight(request.method, request.headers)) return false;
  const methods = ops.serves(pathname) ? OPS_METHODS : router.methodsFor(pathname);
  if (methods.length === 0) return false;
  answerPreflight(response, methods);
  return true;
}

/** The second port: /metrics, /health and /ready only, behind the same door. */
function createMetricsServer(door: Door): Server {
  return createServer((request, response) => {
    applySecurityHeaders(response);
    if (answeredAtTheDoor(door, request, response)) return;
    if (!door.ops.handle(request, response)) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('This port serves /metrics, /health and /ready.\n');
    }
  });
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
