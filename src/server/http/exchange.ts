/** What a route handler gets: the request, its response, who sent it, and a signal for a client that leaves. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from '../../protocol/stream-request.js';
import type { Principal } from '../../keys/verifier.js';
import type { ServerContext } from '../context.js';

export interface HttpExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** Path parameters of the matched route, e.g. `uuid`. */
  readonly params: Readonly<Record<string, string>>;
  /** The JSON body of a route that takes one, already read and size-checked; empty for the others. */
  readonly body: JsonObject;
  readonly principal: Principal;
  /** Aborts when the client closes the connection before the response is complete. */
  readonly signal: AbortSignal;
  readonly context: ServerContext;
  /** Filled by the handler as it learns about the request; the router logs and records it when the response ends. */
  readonly report: RequestReport;
}

/** The request's fields that its log line names (the Resemble endpoints' SpeechFields have them). */
export interface ReportedFields {
  readonly voiceUuid: string;
  readonly audio: { readonly format: string; readonly sampleRate: number };
}

/** What the request line of the log and the metrics say about one HTTP request beyond its status. */
export interface RequestReport {
  fields?: ReportedFields;
  /** Characters of spoken text (SSML tags not counted). */
  chars?: number;
  /** `performance.now()` when the first audio byte was written. */
  firstAudioAt?: number;
  audioSeconds: number;
}

export type RouteHandler = (exchange: HttpExchange) => Promise<void>;
