/** What a route handler gets: the request, its response, who sent it, and a signal for a client that leaves. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth.js';
import type { ServerContext } from '../context.js';

export interface HttpExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** Path parameters of the matched route, e.g. `uuid`. */
  readonly params: Readonly<Record<string, string>>;
  readonly principal: Principal;
  /** Aborts when the client closes the connection before the response is complete. */
  readonly signal: AbortSignal;
  readonly context: ServerContext;
}

export type RouteHandler = (exchange: HttpExchange) => Promise<void>;
