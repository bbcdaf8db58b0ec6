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
import { authenticate, type KeyVerifier, type Principal } from './auth.js';
import { ConnectionLimits, type LimitSettings } from './connection-limits.js';
import type { ServerContext } from './context.js';
import { createHttpRouter } from './http/router.js';
import { StreamSession } from './stream-session.js';

export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly limits: LimitSettings;
  /** How long running requests may go on after shutdown starts. */
  readonly shutdownGraceMs: number;
  /** Interval of the server's pings; a socket that misses one whole interval is dropped. */
  readonly heartbeatMs: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  /** Open WebSocket sessions. */
  readonly sessions: ReadonlySet<StreamSession>;
  /** Stops accepting, lets running requests finish within the grace period, then closes sockets with 1001. */
  close(): Promise<void>;
}

/** Ceiling above which ws itself drops a frame; frames between 1 MiB and this get MessageTooLarge. */
const TRANSPORT_MAX_PAYLOAD = 8 * 1024 * 1024;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** `httpHandler` replaces the HTTP routes of src/server/http (which share the connection limits). */
export async function startServer(
  context: ServerContext,
  verifier: KeyVerifier,
  settings: ServerSettings,
  httpHandler?: HttpHandler,
): Promise<RunningServer> {
  if (!verifier.hasKeys() && !isLoopback(settings.host)) {
    throw new Error(
      `Refusing to listen on ${settings.host} without API keys: set VOXWIRE_API_KEYS or create a key with \`voxwire keys create\`, or listen on 127.0.0.1.`,
    );
  }
  const limits = new ConnectionLimits(settings.limits);
  const sessions = new Set<StreamSession>();
  const alive = new WeakMap<WebSocket, boolean>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_PAYLOAD, perMessageDeflate: false });
  let draining = false;

  const router = createHttpRouter({ context, verifier, limits });
  const handleHttp = httpHandler ?? router.handle;
  const http = createServer((request, response) => handleHttp(request, response));
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/stream' || draining) {
      socket.end(draining ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const auth = authenticate(verifier, request.headers, url);
      if (!auth.ok) return refuse(ws, new VoxwireError('Unauthorized', auth.reason));
      const release = limits.acquire(auth.principal, verifier.hasKeys());
      if (release === undefined) {
        return refuse(ws, new VoxwireError('ConcurrencyLimitExceeded', 'Too many open connections for this key or server; retry later.'));
      }
      openSession(ws, auth.principal, release);
    });
  });

  function openSession(ws: WebSocket, principal: Principal, release: () => void): void {
    const session = new StreamSession(ws, context, principal);
    sessions.add(session);
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', () => alive.set(ws, true));
    ws.on('error', (error) => context.log.debug({ err: error }, 'websocket error'));
    ws.on('close', () => {
      sessions.delete(session);
      release();
    });
  }

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, settings.heartbeatMs);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(settings.port, settings.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  context.log.info(
    { host: settings.host, port, auth: verifier.hasKeys() ? 'api keys' : 'none (loopback only)' },
    verifier.hasKeys() ? 'voxwire listening' : 'voxwire listening without API keys: loopback clients only',
  );

  async function close(): Promise<void> {
    if (draining) return;
    draining = true;
    clearInterval(heartbeat);
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    const deadline = Date.now() + settings.shutdownGraceMs;
    while (Date.now() < deadline && (router.inFlight > 0 || [...sessions].some((session) => session.pending > 0))) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const ws of wss.clients) ws.terminate();
    http.closeAllConnections();
    await stopped;
  }

  return { url: `http://${hostForUrl}:${port}`, port, http, sessions, close };
}

function refuse(ws: WebSocket, error: VoxwireError): void {
  ws.send(errorFrame(error));
  ws.close(error.closeCode ?? 1008, error.errorName);
}
