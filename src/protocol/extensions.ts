/**
 * The messages of a `/stream` socket, the extensions of protocol.md section 7 included: a frame without
 * `type` is a request (as Resemble's clients send them, unchanged); `cancel`, `text`, `flush` and `text_end`
 * act on requests already open. Pure: parses and validates, the session decides what they do.
 */
import { VoxwireError } from './errors.js';
import {
  refuseControlCharacters,
  invalid,
  optionalText,
  parseJsonFrame,
  parseStreamRequest,
  RequestError,
  parseRequestId,
  type JsonObject,
  type RequestId,
  type RequestIdCounter,
  type StreamRequest,
} from './stream-request.js';

/** Characters one streamed request may receive in all (protocol.md section 7: TextTooLong past it). */
export const TEXT_STREAM_LIMIT = 20_000;
/** Seconds without a `text` message after which a streamed request speaks what it holds and ends. */
export const TEXT_STREAM_IDLE_SECONDS = 30;

export const EXTENSION_TYPES = ['cancel', 'text', 'flush', 'text_end'] as const;
type ExtensionType = (typeof EXTENSION_TYPES)[number];

export type ClientMessage =
  | { readonly kind: 'request'; readonly request: StreamRequest }
  /** `requestId` undefined: every request of the socket. */
  | { readonly kind: 'cancel'; readonly requestId: RequestId | undefined }
  | { readonly kind: 'text'; readonly requestId: RequestId; readonly data: string }
  | { readonly kind: 'flush'; readonly requestId: RequestId }
  | { readonly kind: 'text_end'; readonly requestId: RequestId };

/** Parses one text frame of the socket. Throws RequestError, with the request id whenever it is known. */
export function parseClientFrame(text: string, ids: RequestIdCounter): ClientMessage {
  const value = parseJsonFrame(text);
  const type = value['type'];
  if (type === undefined || type === null) return { kind: 'request', request: parseStreamRequest(value, ids) };
  if (!(EXTENSION_TYPES as readonly unknown[]).includes(type)) {
    throw new RequestError(
      invalid('type', 'names no message of this server: requests carry no `type`; the extensions are cancel, text, flush and text_end', EXTENSION_TYPES),
      knownId(value),
    );
  }
  return parseExtension(type as ExtensionType, value);
}

function parseExtension(type: ExtensionType, value: JsonObject): ClientMessage {
  if (type === 'cancel' && (value['request_id'] === undefined || value['request_id'] === null)) return { kind: 'cancel', requestId: undefined };
  // An extension never takes a number from the socket's counter: it names a request that exists already.
  const requestId = addressedId(value, type);
  if (type === 'cancel' || type === 'flush' || type === 'text_end') return { kind: type, requestId };
  try {
    const data = optionalText(value, 'data');
    refuseControlCharacters('data', data);
    return { kind: 'text', requestId, data };
  } catch (error) {
    if (error instanceof VoxwireError) throw new RequestError(error, requestId);
    throw error;
  }
}

function addressedId(value: JsonObject, type: ExtensionType): RequestId {
  const given = value['request_id'];
  if (given === undefined || given === null) {
    throw new RequestError(invalid('request_id', `is required: \`${type}\` names the streamed request it belongs to`, ['integer', 'string']), undefined);
  }
  return parseRequestId(given);
}

/** The frame's own id when it is a valid one, for the error about a frame that is refused as a whole. */
function knownId(value: JsonObject): RequestId | undefined {
  const given = value['request_id'];
  if (given === undefined || given === null) return undefined;
  try {
    return parseRequestId(given);
  } catch {
    return undefined;
  }
}

/** The error for a `text`, `flush` or `text_end` naming no open streamed request (section 7). */
export function notOpenStream(type: 'text' | 'flush' | 'text_end', requestId: RequestId): VoxwireError {
  return new VoxwireError(
    'InvalidRequest',
    `\`${type}\` for request ${JSON.stringify(requestId)}, which is not an open streamed request: open one with {"text_stream": true, "request_id": …}; after text_end, a cancel or an error it takes no more text.`,
    { field: 'request_id', allowed: ['the id of an open streamed request'] },
  );
}
