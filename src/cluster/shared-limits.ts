/**
 * Connection limits shared by the nodes of a cluster through Redis (`--redis-url`): each open connection is a
 * lease, a member of two sorted sets (its key's and the cluster's) scored by its expiry. The node renews its
 * leases every RENEW_MS; a node that dies stops renewing, and its slots expire within LEASE_MS without anyone
 * cleaning up. Time is Redis's own (TIME in the scripts), so the nodes' clocks need not agree.
 *
 * The node's own limits (ConnectionLimits) always apply as well: the global one is the machine's capacity,
 * and while Redis cannot be reached the per-key one is what is left (each node then allows the per-key limit
 * on its own). A careful operator would rather serve than refuse every client because a counter is away; the
 * node says so in its log, in /ready's reason and in voxwire_cluster_redis_up. Connections opened meanwhile
 * are registered in Redis with the next renewal once it is back, so the shared counts recover whole.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Principal } from '../keys/verifier.js';
import type { ConnectionGate, ConnectionLimits, Release } from '../server/connection-limits.js';

/** A killed node's slots are free after this. */
export const LEASE_MS = 5000;
/** Leases are renewed this often: two renewals may fail (a Redis pause) before a live lease expires. */
export const RENEW_MS = 1500;
/** A Redis call slower than this counts as Redis unreachable, so a hung Redis cannot stall connection set-up. */
const COMMAND_TIMEOUT_MS = 1000;
const RECONNECT_MS = 500;
const PREFIX = 'voxwire:connections:';
const ALL = `${PREFIX}all`;

/** KEYS: the key's set, the cluster's set. ARGV: member, lease ms, per-key limit, 1 to apply it. 1 = taken. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[4] == '1' and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[2], lease)
return 1`;

/**
 * KEYS: the cluster's set, then one key set per member. ARGV: lease ms, then the members. Re-adds a member
 * Redis lost (a restart), so counts recover. Returns the cluster's live count.
 */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now + lease, ARGV[i])
  redis.call('PEXPIRE', KEYS[i], lease)
  redis.call('ZADD', KEYS[1], now + lease, ARGV[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if #KEYS > 1 then redis.call('PEXPIRE', KEYS[1], lease) end
return redis.call('ZCARD', KEYS[1])`;

interface Scripts {
  voxwireAcquire(keySet: string, all: string, member: string, leaseMs: number, perKey: number, apply: 0 | 1): Promise<number>;
  voxwireRenew(...keysThenArgs: (string | number)[]): Promise<number>;
}

export interface SharedLimitsOptions {
  readonly url: string;
  readonly perKey: number;
  /** The node's own limits, applied first and alone while Redis is away. */
  readonly local: ConnectionLimits;
  readonly log: Logger;
  readonly leaseMs?: number;
}

export interface SharedLimits extends ConnectionGate {
  /** Why the limits are not shared right now (Redis unreachable), or undefined. */
  problem(): string | undefined;
  readonly redisUp: boolean;
  /** Open connections in the whole cluster as of the last renewal (this node's alone while Redis is away). */
  readonly clusterConnections: number;
  /** Connections this node holds. */
  readonly nodeConnections: number;
  close(): Promise<void>;
}

/** Connects (waiting up to a second for Redis, then starting on local limits if it is not there). */
export async function openSharedLimits(options: SharedLimitsOptions): Promise<SharedLimits> {
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const where = redisAddress(options.url);
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: () => RECONNECT_MS,
    enableAutoPipelining: true,
    lazyConnect: true,
  });
  redis.defineCommand('voxwireAcquire', { numberOfKeys: 2, lua: ACQUIRE });
  redis.defineCommand('voxwireRenew', { lua: RENEW });
  const scripts = redis as unknown as Scripts;
  const node = randomBytes(6).toString('hex');
  let sequence = 0;
  /** Every connection this node holds, member → its key's set. */
  const held = new Map<string, string>();
  let clusterCount = 0;
  /** The last Redis failure, until a call succeeds again. */
  let failure: string | undefined = 'not connected yet';
  /** Set by close(): the disconnect it makes is no outage to report. */
  let closing = false;

  function down(error: unknown): void {
    if (closing) return;
    const first = failure === undefined;
    failure = (error as Error).message || String(error);
    if (first) options.log.error({ redis: where, err: error }, 'Redis is unreachable: connection limits are counted on this node only until it returns');
  }
  function up(): void {
    if (failure === undefined) return;
    failure = undefined;
    options.log.info({ redis: where }, 'Redis is reachable: connection limits are shared across the cluster');
  }
  redis.on('error', down);
  redis.on('close', () => down(new Error('connection closed')));
  redis.on('ready', () => void renew());

  async function renew(): Promise<void> {
    if (redis.status !== 'ready') return;
    const members = [...held];
    try {
      clusterCount = await scripts.voxwireRenew(1 + members.length, ALL, ...members.map(([, set]) => set), leaseMs, ...members.map(([member]) => member));
      up();
    } catch (error) {
      down(error);
    }
  }
  const renewal = setInterval(() => void renew(), Math.min(RENEW_MS, leaseMs / 3));
  renewal.unref();
  await redis.connect().catch(() => undefined);
  // Shared from the first connection on: until a call succeeds the node counts alone.
  await renew();

  return {
    get redisUp() {
      return failure === undefined;
    },
    get clusterConnections() {
      return failure === undefined ? clusterCount : held.size;
    },
    get nodeConnections() {
      return held.size;
    },
    problem: () => (failure === undefined ? undefined : `Redis at ${where} is unreachable (${failure}): connection limits are counted on this node only`),
    async acquire(principal: Principal, countPerKey: boolean): Promise<Release | undefined> {
      const releaseLocal = options.local.acquire(principal, countPerKey);
      if (releaseLocal === undefined) return undefined;
      const member = `${node}:${(sequence += 1)}`;
      const set = `${PREFIX}key:${principal.id}`;
      if (failure === undefined) {
        try {
          if ((await scripts.voxwireAcquire(set, ALL, member, leaseMs, options.perKey, countPerKey ? 1 : 0)) !== 1) {
            releaseLocal();
            return undefined;
          }
        } catch (error) {
          down(error);
        }
      }
      held.set(member, set);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(member);
        releaseLocal();
        // Lost while Redis is away: the lease then expires by itself.
        if (failure === undefined) redis.multi().zrem(set, member).zrem(ALL, member).exec().catch(down);
      };
    },
    async close() {
      clearInterval(renewal);
      closing = true;
      // This node's leases go now rather than at their expiry.
      if (failure === undefined && held.size > 0) {
        const pipeline = redis.pipeline();
        for (const [member, set] of held) pipeline.zrem(set, member).zrem(ALL, member);
        await pipeline.exec().catch(() => undefined);
      }
      redis.disconnect();
    },
  };
}

/** host:port of a Redis URL, without any password. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the --redis-url';
  }
}
