/**
 * The WebSocket side of the server: upgrades on `/stream` (browser rules, auth, the connection limit), one
 * StreamSession per socket, the heartbeat that drops dead peers, and the sweep that closes sockets whose key
 * was revoked. startServer owns the HTTP server and the shutdown; this owns every socket.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorFrame } from '../protocol/frames.js';
import { VoxwireError } from '../protocol/errors.js';
import type { KeyVerifier, Principal } from '../keys/verifier.js';
import { authenticate } from './auth.js';
import { checkBrowserRules } from './browser-rules.js';
import type { ConnectionGate, Release } from './connection-limits.js';
import type { ServerContext } from './context.js';
import { StreamSession } from './stream-session.js';

/** Ceiling above which ws itself drops a frame; frames between 1 MiB and this get MessageTooLarge. */
const TRANSPORT_MAX_PAYLOAD = 8 * 1024 * 1024;
/** How often open sockets are checked against revoked keys: with the key store's 1 s refresh, within 1.5 s. */
const REVOCATION_SWEEP_MS = 500;

export interface WebSocketOptions {
  readonly context: ServerContext;
  readonly verifier: KeyVerifier;
  /** Shared with the HTTP side: an open socket holds a slot like an HTTP request in flight. */
  readonly limits: ConnectionGate;
  readonly allowedOrigins: ReadonlySet<string>;
  /** Interval of the server's pings; a socket that misses one whole interval is dropped. */
  readonly heartbeatMs: number;
}

export interface WebSocketSide {
  /** Open sessions. */
  readonly sessions: ReadonlySet<StreamSession>;
  /** Answers an HTTP upgrade: a session on `/stream`, a plain refusal before the handshake otherwise. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Shutdown begins: no new sockets, no new frames read on open ones; accepted requests still finish. */
  stopAccepting(): void;
  /** Whether any session still has a request to answer. */
  busy(): boolean;
  /** Closes every socket with 1001; `terminate` cuts those still open. */
  closeAll(): void;
  terminate(): void;
}

export function createWebSocketSide({ context, verifier, limits, allowedOrigins, heartbeatMs }: WebSocketOptions): WebSocketSide {
  const sessions = new Set<StreamSession>();
  const alive = new WeakMap<WebSocket, boolean>();
  const sessionOf = new WeakMap<WebSocket, StreamSession>();
  const principalOf = new WeakMap<WebSocket, Principal>();
  const sentAtLastBeat = new WeakMap<WebSocket, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: TRANSPORT_MAX_PAYLOAD, perMessageDeflate: false });
  let draining = false;

  function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Nothing thrown here may reach the process: an upgrade is answered, whatever fails.
    try {
      answerUpgrade(request, socket, head);
    } catch (error) {
      context.log.error({ err: error }, 'websocket upgrade failed');
      if (socket.writable) refuseUpgrade(socket, '503 Service Unavailable', 'The server failed to open this connection.');
      else socket.destroy();
    }
  }

  function answerUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
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
    const taken = limits.acquire(auth.principal, verifier.hasKeys());
    if (!(taken instanceof Promise)) return admit(ws, auth.principal, taken);
    // Shared limits answer after a round trip: the socket is paused meanwhile, so a request sent right after
    // the handshake waits in it for the session instead of reaching no listener.
    ws.pause();
    taken.then(
      (release) => {
        if (ws.readyState !== ws.OPEN) return release?.();
        ws.resume();
        admit(ws, auth.principal, release);
      },
      (error: unknown) => {
        context.log.error({ err: error }, 'taking a connection slot failed');
        ws.close(1011, 'server error');
      },
    );
  }

  function admit(ws: WebSocket, principal: Principal, release: Release | undefined): void {
    if (release === undefined) {
      return refuse(ws, new VoxwireError('ConcurrencyLimitExceeded', 'Too many open connections for this key or server; retry later.'), context);
    }
    openSession(ws, principal, release);
  }

  function openSession(ws: WebSocket, principal: Principal, release: Release): void {
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
  }, heartbeatMs);
  heartbeat.unref();

  return {
    sessions,
    upgrade,
    stopAccepting() {
      draining = true;
      clearInterval(heartbeat);
      clearInterval(revocationSweep);
      // Requests already accepted finish; new ones on open sockets are not read, so a busy client cannot
      // keep the drain going until the deadline (it sees close 1001 and reconnects elsewhere).
      for (const session of sessions) session.stopAccepting();
    },
    busy: () => [...sessions].some((session) => session.pending > 0),
    closeAll() {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    },
    terminate() {
      for (const ws of wss.clients) ws.terminate();
    },
  };
}

/** The request target as a URL, or undefined for one that does not parse (`GET //a:b`): parsing must not throw in a listener. */
export function parseTarget(target: string | undefined): URL | undefined {
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
