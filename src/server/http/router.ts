/**
 * The HTTP side of the server: routing, then auth, the body (declared and read), the connection limit for
 * every route, then the route's handler. Every failure is the JSON error shape. The browser rules and the
 * security headers were applied by the server before a request gets here.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VoxwireError, catalogueError } from '../../protocol/errors.js';
import type { KeyVerifier } from '../../keys/verifier.js';
import type { JsonObject } from '../../protocol/stream-request.js';
import { authenticate } from '../auth.js';
import type { ConnectionGate } from '../connection-limits.js';
import type { ServerContext } from '../context.js';
import type { Endpoint } from '../metrics.js';
import type { RequestReport, RouteHandler } from './exchange.js';
import { isFormContentType, isJsonContentType, readFormBody, readJsonBody } from './body.js';
import { sendError, transportFailure, type HttpFailure } from './responses.js';
import { openAiModels, openAiSpeech } from './openai-speech.js';
import { streamAudio } from './stream.js';
import { synthesize } from './synthesize.js';
import { getVoiceRoute, listVoicesRoute } from './voices.js';
import { createFromDesignRoute, createVoiceRoute, deleteVoiceRoute, designRoute, designSampleRoute, listDesignsRoute, promoteRoute, updateVoiceRoute } from './library.js';
import { rescanVoicesRoute } from './admin.js';

interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
  readonly endpoint: Endpoint;
  /** The route takes a JSON body, read (whole) before the route holds a connection slot. */
  readonly json?: true;
  /** The JSON body may also come as a form (multipart or urlencoded). */
  readonly form?: true;
}

const VOICE = /^\/api\/v2\/voices\/(?<uuid>[^/]{1,100})\/?$/;

const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/synthesize\/?$/, handler: synthesize, endpoint: 'http_synthesize', json: true },
  { method: 'POST', pattern: /^\/stream\/?$/, handler: streamAudio, endpoint: 'http_stream', json: true },
  { method: 'GET', pattern: /^\/api\/v2\/voices\/?$/, handler: listVoicesRoute, endpoint: 'http_voices' },
  { method: 'GET', pattern: VOICE, handler: getVoiceRoute, endpoint: 'http_voices' },
  { method: 'POST', pattern: /^\/api\/v2\/voices\/?$/, handler: createVoiceRoute, endpoint: 'http_voices', json: true },
  { method: 'PUT', pattern: VOICE, handler: updateVoiceRoute, endpoint: 'http_voices', json: true },
  { method: 'PATCH', pattern: VOICE, handler: updateVoiceRoute, endpoint: 'http_voices', json: true },
  { method: 'DELETE', pattern: VOICE, handler: deleteVoiceRoute, endpoint: 'http_voices' },
  { method: 'GET', pattern: /^\/api\/v2\/voice-design\/?$/, handler: listDesignsRoute, endpoint: 'http_voices' },
  { method: 'POST', pattern: /^\/api\/v2\/voice-design\/?$/, handler: designRoute, endpoint: 'http_voices', json: true, form: true },
  { method: 'POST', pattern: /^\/api\/v2\/voice-design\/create\/?$/, handler: createFromDesignRoute, endpoint: 'http_voices', json: true, form: true },
  { method: 'POST', pattern: /^\/api\/v2\/voice-design\/(?<design>[^/]{1,100})\/(?<index>\d{1,3})\/(?:create_rapid_voice|create)\/?$/, handler: promoteRoute, endpoint: 'http_voices', json: true, form: true },
  { method: 'GET', pattern: /^\/api\/v2\/voice-design\/(?<design>[^/]{1,100})\/samples\/(?<index>\d{1,3})\.wav$/, handler: designSampleRoute, endpoint: 'http_voices' },
  { method: 'POST', pattern: /^\/v1\/audio\/speech\/?$/, handler: openAiSpeech, endpoint: 'openai_speech', json: true },
  { method: 'GET', pattern: /^\/v1\/models\/?$/, handler: openAiModels, endpoint: 'openai_models' },
  { method: 'POST', pattern: /^\/admin\/voices\/rescan\/?$/, handler: rescanVoicesRoute, endpoint: 'http_other' },
];

export interface HttpDependencies {
  readonly context: ServerContext;
  readonly verifier: KeyVerifier;
  /** Shared with the WebSocket side: an HTTP request in flight holds a slot like an open socket. */
  readonly limits: ConnectionGate;
}

export interface HttpRouter {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Requests whose response has not finished. */
  readonly inFlight: number;
  /** The methods served on `pathname` (for CORS preflights); empty when no route has it. */
  methodsFor(pathname: string): string[];
  /** Shutdown past its grace period: answers 503 to every request whose headers are not sent yet; returns how many. */
  abandon(): number;
}

type Match = { readonly route: Route; readonly params: Record<string, string> } | { readonly failure: HttpFailure; readonly allow?: string };

/** One HTTP request as the router follows it, for its log line and metrics. */
interface Tracked extends RequestReport {
  endpoint: Endpoint;
  key?: string;
  /** The error answered (or, mid-stream, the reason the connection was cut). */
  errorName?: string;
}

function match(method: string, pathname: string): Match {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const found = route.pattern.exec(pathname);
    if (found === null) continue;
    if (route.method === method || (route.method === 'GET' && method === 'HEAD')) {
      try {
        const params = Object.fromEntries(Object.entries(found.groups ?? {}).map(([name, value]) => [name, decodeURIComponent(value)]));
        return { route, params };
      } catch {
        break;
      }
    }
    allowed.push(route.method);
  }
  if (allowed.length > 0) return { failure: transportFailure(405, `Use ${allowed.join(' or ')} on ${pathname}.`), allow: allowed.join(', ') };
  return { failure: transportFailure(404, 'No such endpoint: voxwire serves POST /synthesize, POST /stream and GET /api/v2/voices.') };
}

function methodsFor(pathname: string): string[] {
  return ROUTES.filter((route) => route.pattern.test(pathname)).flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
}

/** What a GET route gets as its body. */
const NO_BODY: JsonObject = Object.freeze({});

/** One request in flight, for the shutdown's last answer. */
interface Open {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly abort: AbortController;
  readonly tracked: Tracked;
}

export function createHttpRouter({ context, verifier, limits }: HttpDependencies): HttpRouter {
  const open = new Set<Open>();

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL, signal: AbortSignal, tracked: Tracked): Promise<void> {
    // Each refusal is answered in the error shape and named in the request's log line.
    const refuse = (failure: HttpFailure, headers: Record<string, string> = {}): Promise<void> => {
      tracked.errorName = failure.errorName;
      return sendError(request, response, failure, headers);
    };
    const matched = match(request.method ?? 'GET', url.pathname);
    if ('failure' in matched) return refuse(matched.failure, matched.allow === undefined ? {} : { Allow: matched.allow });
    const { route, params } = matched;
    tracked.endpoint = route.endpoint;
    const auth = authenticate(verifier, request.headers, url);
    if (!auth.ok && auth.unavailable !== undefined) {
      context.log.error({ err: auth.unavailable }, 'http request refused: the keys cannot be checked');
      return refuse(transportFailure(503, auth.reason), { 'Retry-After': '2' });
    }
    if (!auth.ok) return refuse(new VoxwireError('Unauthorized', auth.reason), { 'WWW-Authenticate': 'Bearer' });
    tracked.key = auth.principal.name;
    let body = NO_BODY;
    if (route.json && route.form && isFormContentType(request.headers['content-type'])) body = await readFormBody(request);
    else if (route.json) {
      // Closing spares reading a body that will not be used.
      if (!isJsonContentType(request.headers['content-type'])) return refuse(transportFailure(415, 'Send the request body as `Content-Type: application/json`.'), { Connection: 'close' });
      // Read before a slot is taken: a client trickling its body must not hold one meanwhile.
      body = await readJsonBody(request);
      if (signal.aborted) return;
    }
    const release = await limits.acquire(auth.principal, verifier.hasKeys());
    if (release !== undefined && signal.aborted) return release();
    if (release === undefined) return refuse(new VoxwireError('ConcurrencyLimitExceeded', 'Too many requests in flight for this key or server; retry later.'), { 'Retry-After': '1' });
    response.once('close', release);
    await route.handler({ request, response, url, params, body, principal: auth.principal, signal, context, report: tracked });
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const startedAt = performance.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const abort = new AbortController();
    const requestId = randomUUID();
    const tracked: Tracked = { endpoint: 'http_other', audioSeconds: 0 };
    const entry: Open = { request, response, abort, tracked };
    open.add(entry);
    response.setHeader('X-Request-Id', requestId);
    response.once('close', () => {
      open.delete(entry);
      if (!response.writableFinished) abort.abort();
      finished(context, request, response, url, requestId, tracked, startedAt);
    });
    serve(request, response, url, abort.signal, tracked).catch((error: unknown) => fail(context, request, response, error, tracked));
  }

  function abandon(): number {
    let answered = 0;
    for (const { request, response, abort, tracked } of open) {
      if (response.headersSent) continue;
      tracked.errorName = 'ServiceUnavailable';
      abort.abort();
      void sendError(request, response, transportFailure(503, 'The server shut down before this request could be answered; retry.'), { Connection: 'close', 'Retry-After': '1' });
      answered += 1;
    }
    return answered;
  }

  return {
    handle,
    methodsFor,
    abandon,
    get inFlight() {
      return open.size;
    },
  };
}

/** The request's one log line and its metrics, the same fields as a WebSocket request's. */
function finished(context: ServerContext, request: IncomingMessage, response: ServerResponse, url: URL, requestId: string, tracked: Tracked, startedAt: number): void {
  const elapsedMs = performance.now() - startedAt;
  const outcome = tracked.errorName ?? (response.writableFinished ? 'ok' : 'client_closed');
  const firstAudioMs = tracked.firstAudioAt === undefined ? undefined : tracked.firstAudioAt - startedAt;
  const streamed = tracked.endpoint === 'http_stream' || tracked.endpoint === 'openai_speech';
  context.metrics.request({
    endpoint: tracked.endpoint,
    outcome,
    ...(firstAudioMs === undefined || !streamed ? {} : { firstAudioSeconds: firstAudioMs / 1000 }),
    audioSeconds: tracked.audioSeconds,
    elapsedSeconds: elapsedMs / 1000,
  });
  const fields = tracked.fields;
  context.log.info(
    {
      request_id: requestId,
      method: request.method,
      path: url.pathname,
      status: response.statusCode,
      key: tracked.key ?? null,
      voice: fields?.voiceUuid ?? null,
      chars: tracked.chars ?? null,
      format: fields?.audio.format ?? null,
      sample_rate: fields?.audio.sampleRate ?? null,
      first_audio_ms: firstAudioMs === undefined ? null : Math.round(firstAudioMs * 10) / 10,
      audio_seconds: Math.round(tracked.audioSeconds * 1000) / 1000,
      duration_ms: Math.round(elapsedMs),
      outcome,
    },
    'http request',
  );
}

function fail(context: ServerContext, request: IncomingMessage, response: ServerResponse, error: unknown, tracked: Tracked): void {
  const known = catalogueError(error);
  if (known === undefined) context.log.error({ err: error }, 'http request failed');
  else if (known.cause !== undefined) context.log.error({ err: known.cause }, 'synthesis failed');
  // Already answered (the shutdown's 503): nothing more to say, and cutting now could lose that answer.
  if (response.writableEnded) return;
  const failure = known ?? new VoxwireError('SynthesisFailure', 'The server failed on this request.');
  tracked.errorName = failure.errorName;
  // Mid-stream, the status line is gone: cutting the connection tells the client the audio is incomplete.
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const closing = failure.errorName === 'MessageTooLarge' ? { Connection: 'close' } : {};
  sendError(request, response, failure, closing).catch(() => response.destroy());
}
