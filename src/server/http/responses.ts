/**
 * Everything an HTTP response carries besides its payload: the security headers every response gets, the
 * JSON body (compressed when the client asks) and the error shape of protocol.md section 2.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { brotliCompress, constants as zlib, createBrotliCompress, createDeflate, createGzip, deflate, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { isOpenAiPath, openAiErrorBody } from './openai-errors.js';
import type { ErrorName, ErrorParams } from '../../protocol/errors.js';
import type { HttpErrorBody, TransportErrorName } from '../../protocol/wire.js';

/** Sent on every response: the API serves data, never documents a browser should render or cache. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * An error answered over HTTP: a VoxwireError of the catalogue, or one of the transport's own (unknown
 * route, wrong method) that the wire contract has no name for.
 */
export interface HttpFailure {
  readonly status: number;
  readonly errorName: ErrorName | TransportErrorName;
  readonly message: string;
  /** The catalogue's details (field, allowed, line, column, …), as on WebSocket. */
  readonly params?: ErrorParams;
}

/** The transport's own refusals, shaped like the catalogue's errors. */
const TRANSPORT_ERRORS: Readonly<Record<403 | 404 | 405 | 415 | 503, TransportErrorName>> = {
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  415: 'UnsupportedMediaType',
  503: 'ServiceUnavailable',
};

export function transportFailure(status: keyof typeof TRANSPORT_ERRORS, message: string): HttpFailure {
  return { status, errorName: TRANSPORT_ERRORS[status], message };
}

export function applySecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
}

type Encoding = 'br' | 'gzip' | 'deflate';

const COMPRESSORS: Readonly<Record<Encoding, (body: Buffer) => Promise<Buffer>>> = {
  // Quality 5 keeps brotli near gzip's speed: a large /synthesize body must not cost seconds of CPU.
  br: (body) => promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body) => promisify(gzip)(body),
  deflate: (body) => promisify(deflate)(body),
};

const COMPRESSOR_STREAMS: Readonly<Record<Encoding, () => Writable & NodeJS.ReadableStream>> = {
  br: () => createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }),
  gzip: () => createGzip(),
  deflate: () => createDeflate(),
};

/** The headers of a JSON answer, compressed with `encoding` or not. */
function jsonHeaders(response: ServerResponse, encoding: Encoding | undefined): OutgoingHttpHeaders {
  return {
    'Content-Type': 'application/json; charset=utf-8',
    // Keeps `Vary: Origin` of a CORS answer.
    Vary: [response.getHeader('Vary'), 'Accept-Encoding'].filter((value) => value !== undefined).join(', '),
    ...(encoding === undefined ? {} : { 'Content-Encoding': encoding }),
  };
}

/** Bodies smaller than this go out as they are: compressing them saves less than the headers cost. */
const COMPRESS_MIN_BYTES = 1024;

/** The best encoding that `Accept-Encoding` allows (q > 0), preferring br, then gzip, then deflate. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...parameters] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const q = parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    weights.set(token, q === undefined ? 1 : Number(q));
  }
  const allowed = (encoding: Encoding): boolean => (weights.get(encoding) ?? (weights.get('*') ?? 0)) > 0;
  return (['br', 'gzip', 'deflate'] as const).find(allowed);
}

export async function sendJson(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): Promise<void> {
  let payload: Buffer = Buffer.from(JSON.stringify(body), 'utf8');
  const encoding = payload.length >= COMPRESS_MIN_BYTES ? negotiateEncoding(request.headers['accept-encoding']) : undefined;
  if (encoding !== undefined) payload = await COMPRESSORS[encoding](payload);
  if (response.destroyed) return;
  response.writeHead(status, { ...headers, ...jsonHeaders(response, encoding), 'Content-Length': payload.length });
  response.end(payload);
}

/**
 * Raw bytes base64-encoded per piece: a multiple of 3, so the pieces' base64 joins into the whole's, and small
 * enough (1 MiB of base64) that encoding one takes a millisecond or two.
 */
const BASE64_PIECE_BYTES = 3 * 256 * 1024;

/** The base64 of `parts` joined, in pieces of BASE64_PIECE_BYTES raw bytes, without copying the whole. */
function* base64Pieces(parts: readonly Uint8Array[]): Generator<string> {
  let pending: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    let view = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    while (view.length > 0) {
      const take = Math.min(view.length, BASE64_PIECE_BYTES - size);
      pending.push(view.subarray(0, take));
      size += take;
      view = view.subarray(take);
      if (size === BASE64_PIECE_BYTES) {
        yield Buffer.concat(pending, size).toString('base64');
        pending = [];
        size = 0;
      }
    }
  }
  if (size > 0) yield Buffer.concat(pending, size).toString('base64');
}

/**
 * A JSON answer with one large base64 field (`/synthesize`'s audio), written piece by piece with a turn of the
 * event loop between pieces. Built as one string, the largest answer the budget allows (about 100 MB of audio)
 * held the event loop for most of a second (base64, JSON.stringify and the UTF-8 copy of 130 MB).
 * `body[field]` must be the empty string: it marks where the base64 of `parts` (joined) goes; the parts are
 * never joined into one buffer either (a copy of 100 MB took 70–100 ms).
 */
export async function sendJsonWithBase64(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: Readonly<Record<string, unknown>>,
  field: string,
  parts: readonly Uint8Array[],
): Promise<void> {
  const json = JSON.stringify(body);
  const marker = `${JSON.stringify(field)}:""`;
  const at = json.indexOf(marker) + marker.length - 1;
  if (body[field] !== '' || at < marker.length - 1) throw new Error(`sendJsonWithBase64: body.${field} must be ""`);
  const bytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const encoding = bytes >= COMPRESS_MIN_BYTES ? negotiateEncoding(request.headers['accept-encoding']) : undefined;
  if (response.destroyed) return;
  response.writeHead(status, jsonHeaders(response, encoding));
  const compressor = encoding === undefined ? undefined : COMPRESSOR_STREAMS[encoding]();
  compressor?.pipe(response);
  const target: Writable = compressor ?? response;
  const write = async (text: string): Promise<void> => {
    // A client that goes away never drains: its close ends the wait too.
    if (!target.write(text)) await Promise.race([once(target, 'drain'), once(response, 'close')]);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  };
  await write(json.slice(0, at));
  for (const piece of base64Pieces(parts)) {
    if (response.destroyed) {
      compressor?.destroy();
      return;
    }
    await write(piece);
  }
  target.end(json.slice(at));
}

/**
 * `{success:false, error_name, message, issues:[message]}` with the failure's status, plus `error_params` when
 * the error has details (the contract's shape with the field `@resemble/node` declares for them). Under `/v1/`
 * (OpenAI's API) the same failure goes out in OpenAI's shape.
 */
export function sendError(request: IncomingMessage, response: ServerResponse, failure: HttpFailure, headers: OutgoingHttpHeaders = {}): Promise<void> {
  if (isOpenAiPath(request.url)) return sendJson(request, response, failure.status, openAiErrorBody(failure), headers);
  const params = failure.params !== undefined && Object.keys(failure.params).length > 0 ? { error_params: failure.params } : {};
  const body: HttpErrorBody = { success: false, error_name: failure.errorName, message: failure.message, issues: [failure.message], ...params };
  return sendJson(request, response, failure.status, body, headers);
}
