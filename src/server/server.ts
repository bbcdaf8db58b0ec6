/**
 * Listening, routing, auth, limits and shutdown. Knows HTTP and sockets, nothing of engines: requests are
 * handed to the protocol layer through the ServerContext.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorFrame } from '../protocol/frames.js';
import { VoxwireError } from '../protocol/errors.js';
import type { KeyVerifier, Principal } from '../keys/verifier.js';
import { authenticate } from './auth.js';
import { answerPreflight, applyCorsHeaders, checkBrowserRules, isPreflight, resolveLoopbackHost, systemLookup, type HostLookup } from './browser-rules.js';
import { ConnectionLimits, type LimitSettings } from './connection-limits.js';
import type { ServerContext } from './context.js';
import { createHttpRouter } from './http/router.js';
import { createOpsRoutes, OPS_METHODS } from './ops.js';
import { createPageRoutes } from './pages.js';
import { applySecurityHeaders, sendError, transportFailure } from './http/responses.js';
import { StreamSession } from './stream-session.js';

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

/** Ceiling above which ws itself drops a frame; frames between 1 MiB and this get MessageTooLarge. */
const TRANSPORT_MAX_PAYLOAD = 8 * 1024 * 1024;

/**
 * A connection must finish its request headers (an upgrade included) this soon, and its whole request
 * body within REQUEST_TIMEOUT_MS; otherwise it is closed, so slowloris and silent TCP connections cannot
 * pile up. Node checks these every CONNECTIONS_CHECK_MS (its default, 30 s, would let them linger).
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
const CONNECTIONS_CHECK_MS = 1_000;
const HTTP_TIMEOUTS = { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_MS };

/** How often open sockets are checked against revoked keys: with the key store's 1 s refresh, within 1.5 s. */
const REVOCATION_SWEEP_MS = 500;
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
  const limits = new ConnectionLimits(settings.limits);
  const sessions = new Set<StreamSession>();
  const alive = new WeakMap<WebSocket, boolean>();
  const sessionOf = new WeakMap<WebSocket, StreamSession>();
  const principalOf = new WeakMap<WebSocket, Principal>();
  const sentAtLastBeat = new WeakMap<WebSocket, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_PAYLOAD, perMessageDeflate: false });
  let draining = false;
  let warmth: 'warm' | 'warming up' | 'engine failed' = settings.warmUp === undefined ? 'warm' : 'warming up';
  settings.warmUp?.then(
    () => (warmth = 'warm'),
    () => (warmth = 'engine failed'),
  );
  const ops = createOpsRoutes(context.metrics, () => (draining ? 'draining' : warmth === 'warm' ? undefined : warmth));

  const router = createHttpRouter({ context, verifier, limits });
  const pages = createPageRoutes();
  /**
   * What every HTTP request (both ports) meets first: a target that is no URL is refused (the routes parse it
   * again and must not throw), then the browser rules. True when the request was answered here.
   */
  function answeredAtTheDoor(request: IncomingMessage, response: ServerResponse): boolean {
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

  const http = createServer(HTTP_TIMEOUTS, (request, response) => {
    applySecurityHeaders(response);
    if (answeredAtTheDoor(request, response)) return;
    if (!ops.handle(request, response) && !pages.handle(request, response)) router.handle(request, response);
  });
  context.metrics.watch({
    openSockets: () => sessions.size,
    queuedRequests: () => [...sessions].reduce((sum, session) => sum + session.queued, 0),
    httpInFlight: () => router.inFlight,
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Nothing thrown here may reach the process: an upgrade is answered, whatever fails.
    try {
      upgrade(request, socket, head);
    } catch (error) {
      context.log.error({ err: error }, 'websocket upgrade failed');
      if (socket.writable) refuseUpgrade(socket, '503 Service Unavailable', 'The server failed to open this connection.');
      else socket.destroy();
    }
  });

  function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parseTarget(request.url);
    if (url === undefined) return refuseUpgrade(socket, '400 Bad Request', 'The request target is not a valid path.');
    const verdict = checkBrowserRules(request.headers, !verifier.hasKeys(), allowedOrigins);
    if (!verdict.ok) {
      context.log.info({ path: url.pathname, host: request.headers.host ?? null, origin: request.headers.origin ?? null, status: 403 }, 'browser upgrade refused');
      return refuseUpgrade(socket, '403 Forbidden', verdict.reason);
    }
    if (url.pathname !== '/stream') return refuseUpgrade(socket, '404 Not Found', 'WebSocket connections go to /stream.');
    if (draining) return refuseUpgrade(socket, '503 Service Unavailable', 'The server is shutting down.');
    wss.handleUpgrade(request, socket, head, (ws) => {
      try {
        accept(ws, request, url);
      } catch (error) {
        context.log.error({ err: error }, 'opening a websocket session failed');
        ws.close(1011, 'server error');
      }
    });
  }

  function accept(ws: WebSocket, request: IncomingMessage, url: URL): void {
    // The drain may have begun while the handshake was under way; its sessions were already told to stop.
    if (draining) return ws.close(1001, 'server shutting down');
    const auth = authenticate(verifier, request.headers, url);
    if (!auth.ok && auth.unavailable !== undefined) {
      context.log.error({ err: auth.unavailable }, 'websocket refused: the keys cannot be checked');
      return ws.close(1011, 'key store unavailable');
    }
    if (!auth.ok) return refuse(ws, new VoxwireError('Unauthorized', auth.reason), context);
    const release = limits.acquire(auth.principal, verifier.hasKeys());
    if (release === undefined) {
      return refuse(ws, new VoxwireError('ConcurrencyLimitExceeded', 'Too many open connections for this key or server; retry later.'), context);
    }
    openSession(ws, auth.principal, release);
  }

  function openSession(ws: WebSocket, principal: Principal, release: () => void): void {
    const session = new StreamSession(ws, context, principal);
    sessions.add(session);
    sessionOf.set(ws, session);
    principalOf.set(ws, principal);
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', () => alive.set(ws, true));
    ws.on('error', (error) => context.log.debug({ err: error }, 'websocket error'));
    ws.on('close', () => {
      sessions.delete(session);
      release();
    });
  }

  const port = await listen(http, settings.port, address);
  // A revoked key's open sockets are closed, not served until they end of their own accord.
  const revocationSweep = setInterval(() => {
    for (const ws of wss.clients) {
      const principal = principalOf.get(ws);
      if (principal !== undefined && ws.readyState === ws.OPEN && verifier.revoked(principal)) {
        context.log.info({ key: principal.name }, 'closing a socket whose API key was revoked');
        refuse(ws, new VoxwireError('Unauthorized', 'The API key of this connection was revoked.'), context);
      }
    }
  }, REVOCATION_SWEEP_MS);
  revocationSweep.unref();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      const session = sessionOf.get(ws);
      if (ws.isPaused && session !== undefined) {
        // A socket its session paused (too many answers waiting) cannot read pongs: frames leaving it show
        // the peer is alive; a paused socket that sent nothing for a whole interval is dropped.
        if (session.framesSent !== sentAtLastBeat.get(ws)) sentAtLastBeat.set(ws, session.framesSent);
        else ws.terminate();
        continue;
      }
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, settings.heartbeatMs);
  heartbeat.unref();
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (settings.metricsPort !== undefined) {
    metricsServer = createServer((request, response) => {
      applySecurityHeaders(response);
      if (answeredAtTheDoor(request, response)) return;
      if (!ops.handle(request, response)) {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('This port serves /metrics, /health and /ready.\n');
      }
    });
    try {
      metricsUrl = `http://${hostForUrl}:${await listen(metricsServer, settings.metricsPort, address)}`;
    } catch (error) {
      clearInterval(heartbeat);
      clearInterval(revocationSweep);
      http.close();
      throw error;
    }
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
    clearInterval(heartbeat);
    clearInterval(revocationSweep);
    // Requests already accepted finish; new ones on open sockets are not read, so a busy client cannot
    // keep the drain going until the deadline (it sees close 1001 and reconnects elsewhere).
    for (const session of sessions) session.stopAccepting();
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    const deadline = Date.now() + settings.shutdownGraceMs;
    while (Date.now() < deadline && (router.inFlight > 0 || [...sessions].some((session) => session.pending > 0))) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    // An HTTP request still unanswered is told so (503), rather than reset; one mid-stream can only be cut.
    if (router.abandon() > 0) await new Promise((resolve) => setTimeout(resolve, LAST_WORDS_MS));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const ws of wss.clients) ws.terminate();
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

  return { url: `http://${hostForUrl}:${port}`, port, http, metricsUrl, sessions, close };
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

/** The request target as a URL, or undefined for one that does not parse (`GET //a:b`): parsing must not throw in a listener. */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Refuses an upgrade before the handshake, with a status line and a plain-text reason. */
function refuseUpgrade(socket: Duplex, status: string, reason: string): void {
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function refuse(ws: WebSocket, error: VoxwireError, context: ServerContext): void {
  context.metrics.error(error.errorName);
  ws.send(errorFrame(error));
  ws.close(error.closeCode ?? 1008, error.errorName);
}
