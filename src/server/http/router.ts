/**
 * The HTTP side of the server: routing, then auth and the connection limit for every route, then the
 * route's handler. Every response carries the security headers; every failure is the JSON error shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VoxwireError, isVoxwireError } from '../../protocol/errors.js';
import { authenticate, type KeyVerifier } from '../auth.js';
import type { ConnectionLimits } from '../connection-limits.js';
import type { ServerContext } from '../context.js';
import type { RouteHandler } from './exchange.js';
import { applySecurityHeaders, routeFailure, sendError, type HttpFailure } from './responses.js';
import { streamAudio } from './stream.js';
import { synthesize } from './synthesize.js';
import { getVoiceRoute, listVoicesRoute } from './voices.js';

interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
}

const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/synthesize\/?$/, handler: synthesize },
  { method: 'POST', pattern: /^\/stream\/?$/, handler: streamAudio },
  { method: 'GET', pattern: /^\/api\/v2\/voices\/?$/, handler: listVoicesRoute },
  { method: 'GET', pattern: /^\/api\/v2\/voices\/(?<uuid>[^/]{1,100})\/?$/, handler: getVoiceRoute },
];

export interface HttpDependencies {
  readonly context: ServerContext;
  readonly verifier: KeyVerifier;
  /** Shared with the WebSocket side: an HTTP request in flight holds a slot like an open socket. */
  readonly limits: ConnectionLimits;
}

export interface HttpRouter {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Requests whose response has not finished. */
  readonly inFlight: number;
}

type Match = { readonly handler: RouteHandler; readonly params: Record<string, string> } | { readonly failure: HttpFailure; readonly allow?: string };

function match(method: string, pathname: string): Match {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const found = route.pattern.exec(pathname);
    if (found === null) continue;
    if (route.method === method || (route.method === 'GET' && method === 'HEAD')) {
      try {
        const params = Object.fromEntries(Object.entries(found.groups ?? {}).map(([name, value]) => [name, decodeURIComponent(value)]));
        return { handler: route.handler, params };
      } catch {
        break;
      }
    }
    allowed.push(route.method);
  }
  if (allowed.length > 0) return { failure: routeFailure(405, `Use ${allowed.join(' or ')} on ${pathname}.`), allow: allowed.join(', ') };
  return { failure: routeFailure(404, 'No such endpoint: voxwire serves POST /synthesize, POST /stream and GET /api/v2/voices.') };
}

export function createHttpRouter({ context, verifier, limits }: HttpDependencies): HttpRouter {
  let inFlight = 0;

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL, signal: AbortSignal): Promise<void> {
    const route = match(request.method ?? 'GET', url.pathname);
    if ('failure' in route) {
      await sendError(request, response, route.failure, route.allow === undefined ? {} : { Allow: route.allow });
      return;
    }
    const auth = authenticate(verifier, request.headers, url);
    if (!auth.ok) {
      await sendError(request, response, new VoxwireError('Unauthorized', auth.reason), { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    const release = limits.acquire(auth.principal, verifier.hasKeys());
    if (release === undefined) {
      await sendError(request, response, new VoxwireError('ConcurrencyLimitExceeded', 'Too many requests in flight for this key or server; retry later.'), { 'Retry-After': '1' });
      return;
    }
    response.once('close', release);
    await route.handler({ request, response, url, params: route.params, principal: auth.principal, signal, context });
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const startedAt = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const abort = new AbortController();
    inFlight += 1;
    applySecurityHeaders(response);
    response.once('close', () => {
      inFlight -= 1;
      if (!response.writableFinished) abort.abort();
      context.log.info(
        { method: request.method, path: url.pathname, status: response.statusCode, outcome: response.writableFinished ? 'ok' : 'client_closed', duration_ms: Math.round(performance.now() - startedAt) },
        'http request',
      );
    });
    serve(request, response, url, abort.signal).catch((error: unknown) => fail(request, response, error));
  }

  function fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (!isVoxwireError(error)) context.log.error({ err: error }, 'http request failed');
    // Mid-stream, the status line is gone: cutting the connection tells the client the audio is incomplete.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const failure = isVoxwireError(error) ? error : new VoxwireError('SynthesisFailure', 'The server failed on this request.');
    const closing = failure.errorName === 'MessageTooLarge' ? { Connection: 'close' } : {};
    sendError(request, response, failure, closing).catch(() => response.destroy());
  }

  return {
    handle,
    get inFlight() {
      return inFlight;
    },
  };
}
