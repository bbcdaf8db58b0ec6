/**
 * Everything an HTTP response carries besides its payload: the security headers every response gets, the
 * JSON body (compressed when the client asks) and the error shape of protocol.md section 2.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { brotliCompress, constants as zlib, deflate, gzip } from 'node:zlib';
import { promisify } from 'node:util';

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
  readonly errorName: string;
  readonly message: string;
  /** The catalogue's details (field, allowed, line, column, …), as on WebSocket. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The transport's own refusals, shaped like the catalogue's errors. */
const TRANSPORT_ERRORS = {
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  415: 'UnsupportedMediaType',
  503: 'ServiceUnavailable',
} as const;

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
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': payload.length,
    // Keeps `Vary: Origin` of a CORS answer.
    Vary: [response.getHeader('Vary'), 'Accept-Encoding'].filter((value) => value !== undefined).join(', '),
    ...(encoding === undefined ? {} : { 'Content-Encoding': encoding }),
  });
  response.end(payload);
}

/**
 * `{success:false, error_name, message, issues:[message]}` with the failure's status, plus `error_params` when
 * the error has details (the contract's shape with the field `@resemble/node` declares for them).
 */
export function sendError(request: IncomingMessage, response: ServerResponse, failure: HttpFailure, headers: OutgoingHttpHeaders = {}): Promise<void> {
  const params = failure.params !== undefined && Object.keys(failure.params).length > 0 ? { error_params: failure.params } : {};
  return sendJson(request, response, failure.status, { success: false, error_name: failure.errorName, message: failure.message, issues: [failure.message], ...params }, headers);
}
