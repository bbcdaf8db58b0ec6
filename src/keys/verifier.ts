/**
 * Who holds a key, and the objects that check keys: the key store and configured keys both answer through
 * KeyVerifier. Keys are compared as SHA-256 digests with timingSafeEqual, every stored key every time, so the
 * time taken says nothing about how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Who a request is, once its key checks out. `name` is safe to log; the key itself never is. */
export interface Principal {
  readonly name: string;
  /** Connection limits are counted per this id. */
  readonly id: string;
}

/** The anonymous principal of a server that runs without keys (loopback only). */
export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', id: 'anonymous' });

export interface KeyVerifier {
  /** True when at least one key exists, so requests must authenticate. */
  hasKeys(): boolean;
  /** The principal a key belongs to, or undefined. May throw KeyStoreUnavailable when its keys cannot be read. */
  verify(key: string): Principal | undefined;
  /** True once a principal this verifier issued is no longer valid (its key revoked), so its open sockets close. */
  revoked(principal: Principal): boolean;
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The principal whose digest equals `presented`; every digest is compared, whichever matches. */
export function matchDigest(digests: readonly { readonly digest: Buffer; readonly principal: Principal }[], presented: Buffer): Principal | undefined {
  let found: Principal | undefined;
  for (const entry of digests) {
    if (entry.digest.length === presented.length && timingSafeEqual(entry.digest, presented) && found === undefined) found = entry.principal;
  }
  return found;
}

/** Keys given in configuration (VOXWIRE_API_KEYS), kept only as digests. */
export function staticKeyVerifier(keys: readonly string[]): KeyVerifier {
  const digests = keys.map((key, index) => ({ digest: hashKey(key), principal: { name: `env-key-${index + 1}`, id: `env:${index}` } }));
  return {
    hasKeys: () => digests.length > 0,
    verify: (key) => matchDigest(digests, hashKey(key)),
    revoked: () => false,
  };
}

/** Several verifiers, asked in order (configuration keys, then the key store). */
export function combineVerifiers(verifiers: readonly KeyVerifier[]): KeyVerifier {
  return {
    hasKeys: () => verifiers.some((verifier) => verifier.hasKeys()),
    verify(key) {
      let found: Principal | undefined;
      for (const verifier of verifiers) found ??= verifier.verify(key);
      return found;
    },
    revoked: (principal) => verifiers.some((verifier) => verifier.revoked(principal)),
  };
}
