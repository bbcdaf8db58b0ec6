/**
 * What the client throws: the server's errors as typed values of the catalogue (protocol.md section 1, and the
 * HTTP transport's own refusals), and the loss of a connection, which the server cannot report.
 */
import type { ErrorName, ErrorParams, RequestId, TransportErrorName } from '../protocol/wire.js';

/** `HttpError`: an HTTP answer without an `error_name` (a 422 of voice design says only a message). */
export type ApiErrorName = ErrorName | TransportErrorName | 'HttpError';

/** An error the server sent: its catalogue name, status and details, and the request it ended when known. */
export class VoxwireApiError extends Error {
  override readonly name = 'VoxwireApiError';

  constructor(
    readonly errorName: ApiErrorName,
    message: string,
    readonly status: number,
    readonly params: ErrorParams = {},
    readonly requestId?: RequestId,
  ) {
    super(message);
  }
}

/** The connection closed while a request was being answered, and reconnecting could not retry it. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';

  constructor(
    message: string,
    /** The WebSocket close code, when the socket closed (1006 when it dropped without one). */
    readonly closeCode?: number,
  ) {
    super(message);
  }
}

/** Names of the errors that end a WebSocket connection (protocol.md: closed, code 1008, 1013, 1009). */
export const CONNECTION_ERRORS: ReadonlySet<ApiErrorName> = new Set<ApiErrorName>(['Unauthorized', 'ConcurrencyLimitExceeded', 'MessageTooLarge']);
