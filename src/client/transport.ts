/**
 * What the client needs of its environment, found at run time so that one module serves Node and browsers:
 * the global WebSocket when there is one (browsers, Node 22+), else the `ws` package (Node 20), loaded only
 * then; base64 through Buffer in Node (much faster than atob for audio) and atob elsewhere.
 */

/** The part of the WHATWG WebSocket the client uses; `ws` implements the same. */
export interface ClientSocket {
  readonly readyState: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

type SocketConstructor = new (url: string, options?: unknown) => ClientSocket;

/** WebSocket's OPEN readyState. */
export const SOCKET_OPEN = 1;

/**
 * Opens a socket to `url`; `headers` are sent only where the platform allows it (`ws`): a browser's WebSocket
 * takes none, so a browser's key goes in the URL.
 */
export async function openSocket(url: string, headers: Readonly<Record<string, string>>): Promise<{ socket: ClientSocket; canSendHeaders: boolean }> {
  const native = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (native !== undefined) return { socket: new native(url), canSendHeaders: false };
  // A variable specifier keeps bundlers and browsers from resolving `ws`, which only Node needs.
  const specifier = 'ws';
  const ws = (await import(specifier)) as { default: SocketConstructor };
  return { socket: new ws.default(url, { headers, perMessageDeflate: false }), canSendHeaders: true };
}

interface NodeBuffer {
  from(data: string, encoding: 'base64'): Uint8Array;
}

const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

export function decodeBase64(text: string): Uint8Array {
  if (nodeBuffer !== undefined) return nodeBuffer.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The WebSocket URL of `/stream` on the server at `base` (http(s):// or ws(s)://, with or without `/stream`). */
export function streamUrl(base: string): URL {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (!url.pathname.endsWith('/stream')) url.pathname = `${url.pathname.replace(/\/$/, '')}/stream`;
  return url;
}

/** The HTTP base URL of the server at `base` (its origin plus any path prefix, without `/stream`). */
export function httpBase(base: string): URL {
  const url = new URL(base);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  url.pathname = url.pathname.replace(/\/stream\/?$/, '').replace(/\/$/, '');
  url.search = '';
  return url;
}
