/**
 * The error catalogue of the wire contract (protocol.md, section 1 "Errors"). Every error the server
 * reports is a value created here, so names, statuses and close codes live in exactly one place.
 */
import { SynthesisError, type SynthesisErrorKind } from '../synthesis/errors.js';

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

/**
 * Each kind synthesis reports, as the catalogue names it: the one place where synthesis's errors become the
 * wire's. Text an engine cannot read is the client's `data` field at fault, so its error says so.
 */
const SYNTHESIS_ERRORS: Readonly<Record<SynthesisErrorKind, { readonly name: ErrorName; readonly params?: ErrorParams }>> = {
  'invalid-markup': { name: 'InvalidSSML' },
  'too-long': { name: 'TextTooLong' },
  'unreadable-text': { name: 'InvalidRequest', params: { field: 'data' } },
  'engine-unavailable': { name: 'SynthesisFailure' },
  'engine-failed': { name: 'SynthesisFailure' },
};

/**
 * The catalogue's error for something thrown below the transport: a VoxwireError as it is, a SynthesisError
 * mapped by its kind (its cause kept for the log), undefined for anything else (a bug of ours, which the
 * transport logs and reports plainly).
 */
export function catalogueError(error: unknown): VoxwireError | undefined {
  if (error instanceof VoxwireError) return error;
  if (!(error instanceof SynthesisError)) return undefined;
  const { name, params } = SYNTHESIS_ERRORS[error.kind];
  return new VoxwireError(name, error.message, { ...params, ...error.params }, error.cause === undefined ? undefined : { cause: error.cause });
}
