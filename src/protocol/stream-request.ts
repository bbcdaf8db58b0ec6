/**
 * Validation of one WebSocket request frame and of the HTTP request bodies (protocol.md sections 1–3).
 * Pure: takes the decoded JSON and the socket's id counter, returns a typed request or throws a
 * VoxwireError of the catalogue. The request id is resolved first so that every error can carry it.
 */
import { OUTPUT_FORMATS, PRECISIONS, SAMPLE_RATES, type AudioFormat, type OutputFormat, type Precision, type SampleRate } from '../audio/formats.js';
import { VoxwireError, type ErrorParams } from './errors.js';
import type { HttpStreamBody, StreamRequestFrame } from './wire.js';

/** The request fields of the wire types (wire.ts): the validators read fields by these names only. */
type RequestField = keyof StreamRequestFrame | keyof HttpStreamBody;

/** Character limits of `data`, not counting SSML tags. */
export const WEBSOCKET_TEXT_LIMIT = 3000;
export const HTTP_TEXT_LIMIT = 2000;

/**
 * Control characters (Unicode Cc) other than tab, newline and carriage return. They have no sound, the
 * engine stops reading at a NUL, and XML refuses most of them, so `data` holding one is refused as a whole
 * rather than stripped: what is spoken and what `graph_chars` report can never disagree.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** The fields every endpoint shares, validated. */
export interface SpeechFields {
  readonly voiceUuid: string;
  readonly data: string;
  readonly audio: AudioFormat;
}

/**
 * A request's id as the client gave it. The contract says integer; some released versions of LiveKit's
 * Resemble plugin send a short uuid string and work against Resemble's service, so strings are accepted
 * too (ours) and echoed unchanged.
 */
export type RequestId = number | string;
/** Longest string id accepted, so an id cannot make every frame of a request large. */
export const MAX_REQUEST_ID_CHARS = 128;

export interface StreamRequest extends SpeechFields {
  readonly requestId: RequestId;
  readonly binaryResponse: boolean;
  readonly noAudioHeader: boolean;
}

/** A validation failure that knows which request it belongs to (when the id could be resolved). */
export class RequestError extends Error {
  constructor(
    readonly error: VoxwireError,
    readonly requestId: RequestId | undefined,
  ) {
    super(error.message);
  }
}

export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Counts the ids a socket hands out to requests that carry none (0, 1, 2, …). */
export class RequestIdCounter {
  private next = 0;
  take(): number {
    const id = this.next;
    this.next += 1;
    return id;
  }
}

/** Parses the text of a WebSocket frame. Throws RequestError. */
export function parseStreamFrame(text: string, ids: RequestIdCounter): StreamRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestError(badJson('The frame is not valid JSON.'), undefined);
  }
  if (!isJsonObject(value)) throw new RequestError(badJson('The frame must be a JSON object.'), undefined);
  const requestId = resolveRequestId(value, ids);
  try {
    const fields = parseSpeechFields(value);
    return {
      ...fields,
      requestId,
      binaryResponse: optionalBoolean(value, 'binary_response', false),
      noAudioHeader: optionalBoolean(value, 'no_audio_header', false),
    };
  } catch (error) {
    if (error instanceof VoxwireError) throw new RequestError(error, requestId);
    throw error;
  }
}

/**
 * The id of a request: its own when given, else the socket's next counter value. The counter counts only the
 * requests that carry no id, so an invalid id takes no value from it (and its error carries no id).
 */
function resolveRequestId(value: JsonObject, ids: RequestIdCounter): RequestId {
  const given = value['request_id'];
  if (given === undefined || given === null) return ids.take();
  if (typeof given === 'number' && Number.isSafeInteger(given)) return given;
  if (typeof given === 'string' && given.length > 0 && given.length <= MAX_REQUEST_ID_CHARS) return given;
  throw new RequestError(
    invalid('request_id', `must be an integer or a string of 1 to ${MAX_REQUEST_ID_CHARS} characters`, ['integer', 'string']),
    undefined,
  );
}

/**
 * Validates the fields shared by /stream (WebSocket and HTTP) and /synthesize. The length of `data` is
 * checked once it is parsed into a plan (resolveSpeech), since SSML tags do not count.
 */
export function parseSpeechFields(value: JsonObject): SpeechFields {
  const data = value['data'];
  if (data === undefined || data === null || data === '') {
    throw badJson('`data` is missing or empty: send {"voice_uuid": "…", "data": "text or <speak>SSML</speak>"}.');
  }
  if (typeof data !== 'string') throw invalid('data', 'must be a string', ['string']);
  const control = CONTROL_CHARACTER.exec(data);
  if (control !== null) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalid('data', `holds the control character ${code} at index ${control.index}: only tab, newline and carriage return are accepted`, ['text without control characters other than tab, newline and carriage return']);
  }
  const voiceUuid = value['voice_uuid'];
  if (voiceUuid === undefined || voiceUuid === null || voiceUuid === '') {
    throw invalid('voice_uuid', 'is required', ['a voice uuid from GET /api/v2/voices']);
  }
  if (typeof voiceUuid !== 'string') throw invalid('voice_uuid', 'must be a string', ['string']);
  const format = optionalEnum<OutputFormat>(value, 'output_format', OUTPUT_FORMATS, 'wav');
  const sampleRate = optionalEnum<SampleRate>(value, 'sample_rate', SAMPLE_RATES, 48000);
  // The contract: precision is for wav only and ignored for mp3, so an mp3 request is not refused for it.
  const precision = format === 'mp3' ? 'PCM_16' : optionalEnum<Precision>(value, 'precision', PRECISIONS, 'PCM_32');
  return { voiceUuid, data, audio: { format, sampleRate, precision } };
}

function optionalBoolean(value: JsonObject, field: RequestField, fallback: boolean): boolean {
  const given = value[field];
  if (given === undefined || given === null) return fallback;
  if (typeof given !== 'boolean') throw invalid(field, 'must be true or false', ['true', 'false']);
  return given;
}

function optionalEnum<T extends string | number>(value: JsonObject, field: RequestField, allowed: readonly T[], fallback: T): T {
  const given = value[field];
  if (given === undefined || given === null) return fallback;
  if (!(allowed as readonly unknown[]).includes(given)) {
    throw invalid(field, `must be one of ${allowed.join(', ')}`, allowed);
  }
  return given as T;
}

function badJson(explanation: string): VoxwireError {
  return new VoxwireError('BadJSON', explanation, { explanation });
}

function invalid(field: RequestField, rule: string, allowed: readonly (string | number)[]): VoxwireError {
  const params: ErrorParams = { field, allowed };
  return new VoxwireError('InvalidRequest', `\`${field}\` ${rule}.`, params);
}
