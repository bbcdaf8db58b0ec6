/** The `voxwire_cluster_*` gauges: each node's view of what it shares, read at each scrape. */
import { Gauge, type Registry } from 'prom-client';
import type { SharedLimits } from './shared-limits.js';

export interface ClusterState {
  /** Absent on a node without `--redis-url`. */
  readonly limits?: SharedLimits;
  /** Absent on a node without `--database-url`: whether its last read of the keys succeeded. */
  readonly databaseUp?: () => boolean;
}

export function registerClusterGauges(registry: Registry, state: ClusterState): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  };
  const { limits, databaseUp } = state;
  if (limits !== undefined) {
    gauge('voxwire_cluster_redis_up', '1 while Redis answers and connection limits are shared; 0 while this node counts alone', () => (limits.redisUp ? 1 : 0));
    gauge('voxwire_cluster_connections', 'Open connections in the whole cluster, by Redis\'s leases at the last renewal (this node\'s own while Redis is away)', () => limits.clusterConnections);
    gauge('voxwire_cluster_node_connections', 'Connections this node holds a lease for', () => limits.nodeConnections);
  }
  if (databaseUp !== undefined) {
    gauge('voxwire_cluster_database_up', '1 while the shared PostgreSQL database answers this node\'s key reads; 0 while it does not', () => (databaseUp() ? 1 : 0));
  }
}
