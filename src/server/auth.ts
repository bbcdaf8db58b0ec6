/**
 * API keys on every transport (protocol.md section 1 "Authentication" and section 5): where a request's key
 * is found, and what a server without keys does (loopback only, everyone anonymous).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { KeyStoreUnavailable } from '../keys/store-verifier.js';
import { ANONYMOUS, type KeyVerifier, type Principal } from '../keys/verifier.js';

/**
 * The key a request presents, in any form the contract accepts: `Authorization: Bearer K`, `Token K`,
 * `Token token=K`, a bare `K`, `x-access-token: K`, or `?api_key=K` (for browsers, which cannot set
 * headers on a WebSocket).
 */
export function presentedKey(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const match = /^(?:Bearer|Token)\s+(?:token=)?(.+)$/i.exec(authorization);
    const key = (match?.[1] ?? authorization).trim().replace(/^"(.*)"$/, '$1');
    if (key) return key;
  }
  const header = headers['x-access-token'];
  const token = Array.isArray(header) ? header[0] : header;
  if (token?.trim()) return token.trim();
  return url.searchParams.get('api_key') ?? undefined;
}

/**
 * `unavailable`: the keys cannot be read right now (the database locked or damaged past the grace the key
 * store allows); the transports answer 503 or close 1011 instead of guessing either way.
 */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: string; readonly unavailable?: KeyStoreUnavailable };

export function authenticate(verifier: KeyVerifier, headers: IncomingHttpHeaders, url: URL): AuthResult {
  if (!verifier.hasKeys()) return { ok: true, principal: ANONYMOUS };
  const key = presentedKey(headers, url);
  if (key === undefined) return { ok: false, reason: 'No API key: send `Authorization: Bearer <key>`.' };
  let principal: Principal | undefined;
  try {
    principal = verifier.verify(key);
  } catch (error) {
    if (!(error instanceof KeyStoreUnavailable)) throw error;
    return { ok: false, reason: 'The server cannot check API keys right now; retry in a few seconds.', unavailable: error };
  }
  return principal ? { ok: true, principal } : { ok: false, reason: 'The API key is not valid.' };
}
