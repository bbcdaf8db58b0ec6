/**
 * Browsers (protocol.md section 5). A page can make a browser send requests anywhere, so without keys a
 * request whose `Host` is not a loopback name is refused (a DNS-rebound name reaches a loopback server with
 * its own `Host`), and with keys or without, a request carrying an `Origin` is refused unless that origin is
 * the server's own or one the operator allowed. Clients that send no `Origin` (SDKs, servers) pass.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

export type BrowserVerdict =
  /** `corsOrigin`: the allowed `Origin` to answer with CORS headers, absent for a request without one. */
  | { readonly ok: true; readonly corsOrigin?: string }
  | { readonly ok: false; readonly reason: string };

/** The hostname of a `Host` header value, normalized as a URL would (lower case, IPv6 in brackets), or undefined. */
function hostnameOf(host: string): string | undefined {
  if (!/^[^\s/\\@?#]+$/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/** A loopback name or address as a `Host` header gives it: localhost, 127.x.x.x or [::1], any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  const hostname = host === undefined ? undefined : hostnameOf(host);
  return hostname === 'localhost' || hostname === '[::1]' || (hostname !== undefined && isIPv4(hostname) && hostname.startsWith('127.'));
}

/** An address (as dns.lookup gives it) on the loopback interface. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || (isIPv4(address) && address.startsWith('127.')) || /^::ffff:127\./i.test(address);
}

/** `scheme://host[:port]` as browsers send it (lower case, no default port), or undefined when `value` is no origin. */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return bare && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : undefined;
}

export function checkBrowserRules(headers: IncomingHttpHeaders, keyless: boolean, allowedOrigins: ReadonlySet<string>): BrowserVerdict {
  const host = headers.host;
  if (keyless && !isLoopbackHost(host)) {
    return { ok: false, reason: 'This server runs without API keys and answers only requests addressed to a loopback name (127.0.0.1, [::1], localhost).' };
  }
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  const normalized = normalizeOrigin(origin);
  const own = host === undefined || hostnameOf(host) === undefined ? [] : [`http://${host}`, `https://${host}`].map(normalizeOrigin);
  if (normalized !== undefined && (allowedOrigins.has(normalized) || own.includes(normalized))) return { ok: true, corsOrigin: normalized };
  return { ok: false, reason: `Requests from the web origin ${JSON.stringify(origin)} are not allowed; the operator can list it in --allowed-origins.` };
}

/** Request headers a page may send beyond the CORS-safelisted ones, and response headers it may read. */
const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-Access-Token';
const CORS_EXPOSE_HEADERS = 'X-Request-Id, Retry-After, WWW-Authenticate';
/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_S = 600;

/** The CORS headers of every answer to an allowed origin. */
export function applyCorsHeaders(response: ServerResponse, origin: string): void {
  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
  response.setHeader('Vary', 'Origin');
}

/** Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`) for a path served with `methods`. */
export function answerPreflight(response: ServerResponse, methods: readonly string[]): void {
  response.writeHead(204, {
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
  });
  response.end();
}

export function isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/** How `--host` names are resolved; a test passes its own to control what a name resolves to. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

export const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * The addresses `host` resolves to, refused unless every one is loopback: without keys the server must not
 * listen where another machine can reach it, whatever a name says (a name resolving to 0.0.0.0 included).
 */
export async function resolveLoopbackHost(host: string, resolve: HostLookup): Promise<readonly string[]> {
  let addresses: readonly string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    throw new Error(`--host ${host} cannot be resolved: ${(error as Error).message}`, { cause: error });
  }
  const open = addresses.filter((address) => !isLoopbackAddress(address));
  if (addresses.length === 0 || open.length > 0) {
    throw new Error(
      `Refusing to listen on ${host} (${addresses.join(', ') || 'no address'}) without API keys: set VOXWIRE_API_KEYS or create a key with \`voxwire keys create\`, or listen on 127.0.0.1.`,
    );
  }
  return addresses;
}
