/**
 * The operator's endpoints: `GET /metrics` (Prometheus text), `GET /health` (the process answers) and
 * `GET /ready` (engines warmed and not draining). They need no API key, so they show counts and states only,
 * never a key, a key name or request text. The server has applied the security headers already.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMetrics } from './metrics.js';

/** Why the server is not ready, or undefined when it is. */
export type Readiness = () => 'warming up' | 'engine failed' | 'draining' | undefined;

export interface OpsRoutes {
  /** Answers the request when it is one of the operator's endpoints; returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Whether `pathname` is one of these endpoints (for CORS preflights). */
  serves(pathname: string): boolean;
}

const OPS_PATHS = new Set(['/metrics', '/health', '/ready']);
export const OPS_METHODS: readonly string[] = ['GET', 'HEAD'];

/**
 * `degraded`: what the node serves without right now (Redis or the database away); /ready stays 200, since
 * the node still serves, and gives it as the reason.
 */
export function createOpsRoutes(metrics: ServerMetrics, readiness: Readiness, degraded?: () => string | undefined): OpsRoutes {
  function answer(response: ServerResponse, status: number, contentType: string, body: string): void {
    response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    response.end(body);
  }
  const json = (response: ServerResponse, status: number, body: Record<string, string>): void =>
    answer(response, status, 'application/json; charset=utf-8', JSON.stringify(body));

  return {
    serves: (pathname) => OPS_PATHS.has(pathname),
    handle(request, response) {
      const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (!OPS_PATHS.has(pathname) || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
      if (pathname === '/health') json(response, 200, { status: 'ok' });
      else if (pathname === '/ready') {
        const reason = readiness();
        const note = reason === undefined ? degraded?.() : undefined;
        json(response, reason === undefined ? 200 : 503, reason !== undefined ? { status: 'not ready', reason } : note !== undefined ? { status: 'ready', reason: note } : { status: 'ready' });
      } else {
        metrics.scrape().then(
          ({ contentType, body }) => answer(response, 200, contentType, body),
          () => json(response, 500, { status: 'metrics unavailable' }),
        );
      }
      return true;
    },
  };
}
