/**
 * The error catalogue of the wire contract (protocol.md, section 1 "Errors"). Every error the server
 * reports is a value created here, so names, statuses and close codes live in exactly one place.
 */

export const ERROR_CATALOGUE = {
  BadJSON: { status: 400, closeCode: null },
  InvalidRequest: { status: 400, closeCode: null },
  TextTooLong: { status: 400, closeCode: null },
  InvalidSSML: { status: 400, closeCode: null },
  VoiceNotFound: { status: 404, closeCode: null },
  QueueFull: { status: 429, closeCode: null },
  SynthesisFailure: { status: 500, closeCode: null },
  Unauthorized: { status: 401, closeCode: 1008 },
  ConcurrencyLimitExceeded: { status: 429, closeCode: 1013 },
  MessageTooLarge: { status: 413, closeCode: 1009 },
} as const;

export type ErrorName = keyof typeof ERROR_CATALOGUE;
export type ErrorParams = Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>;

/** An error of the catalogue; thrown inside the server and turned into a frame or an HTTP body at the edge. */
export class VoxwireError extends Error {
  override readonly name = 'VoxwireError';
  readonly status: number;
  /** WebSocket close code when this error ends the connection, null when the socket stays open. */
  readonly closeCode: number | null;

  /** `cause`: what went wrong inside (an engine crash, say), for the server's log; never sent to clients. */
  constructor(
    readonly errorName: ErrorName,
    message: string,
    readonly params: ErrorParams = {},
    options?: { readonly cause: unknown },
  ) {
    super(message, options);
    this.status = ERROR_CATALOGUE[errorName].status;
    this.closeCode = ERROR_CATALOGUE[errorName].closeCode;
  }
}

export function isVoxwireError(error: unknown): error is VoxwireError {
  return error instanceof VoxwireError;
}
