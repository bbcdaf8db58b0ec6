/**
 * Connection limits, per key and for the whole server (protocol.md: ConcurrencyLimitExceeded). A slot is
 * taken when a connection or HTTP request starts and given back exactly once when it ends.
 */
import type { Principal } from '../keys/verifier.js';

export interface LimitSettings {
  readonly perKey: number;
  readonly global: number;
}

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void;

/**
 * What the transports take slots from: this node's ConnectionLimits, or the cluster's shared limits
 * (src/cluster/shared-limits.ts), which answer after a round trip to Redis.
 */
export interface ConnectionGate {
  /** Takes a slot, or gives undefined when a limit is reached. */
  acquire(principal: Principal, countPerKey: boolean): Release | undefined | Promise<Release | undefined>;
}

export class ConnectionLimits implements ConnectionGate {
  private total = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly settings: LimitSettings) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot, or returns undefined when a limit is reached. The returned function gives it back. */
  acquire(principal: Principal, countPerKey: boolean): Release | undefined {
    const current = this.byKey.get(principal.id) ?? 0;
    if (this.total >= this.settings.global) return undefined;
    if (countPerKey && current >= this.settings.perKey) return undefined;
    this.total += 1;
    this.byKey.set(principal.id, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byKey.get(principal.id) ?? 1) - 1;
      if (left === 0) this.byKey.delete(principal.id);
      else this.byKey.set(principal.id, left);
    };
  }
}

/** A fixed number of places for a scarce resource (AAC encoder threads); taken and given back like a slot. */
export class Places {
  private taken = 0;

  constructor(readonly size: number) {}

  /** Takes a place, or returns undefined when all are taken. The returned function gives it back (once). */
  take(): (() => void) | undefined {
    if (this.taken >= this.size) return undefined;
    this.taken += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken -= 1;
    };
  }
}
