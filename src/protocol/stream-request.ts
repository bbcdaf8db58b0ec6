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

/**
 * The true-or-false fields of requests, each once: its name on the wire and its default. The request types
 * below take their flags from this table, and `parseFlags` validates them from it, so the two cannot drift.
 */
export const REQUEST_FLAGS = {
  /** WebSocket: audio as binary frames instead of JSON (no timestamps). */
  binaryResponse: { field: 'binary_response', fallback: false },
  /** WebSocket: no WAV header on the first frame. */
  noAudioHeader: { field: 'no_audio_header', fallback: false },
  /** POST /stream: a WAV whose cue/ltxt chunks carry the timestamps before the data. */
  wavEncodedTimestamps: { field: 'wav_encoded_timestamps', fallback: false },
  /** WebSocket: `data` is the first text of a request fed by `text` messages (protocol.md section 7). */
  textStream: { field: 'text_stream', fallback: false },
} as const;

export type RequestFlag = keyof typeof REQUEST_FLAGS;
export type RequestFlags<K extends RequestFlag> = { readonly [P in K]: boolean };

/** The flags of the WebSocket request. */
const STREAM_FLAGS = ['binaryResponse', 'noAudioHeader', 'textStream'] as const;

export interface StreamRequest extends SpeechFields, RequestFlags<(typeof STREAM_FLAGS)[number]> {
  readonly requestId: RequestId;
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

/** Parses the text of a WebSocket frame into a JSON object. Throws RequestError (BadJSON). */
export function parseJsonFrame(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestError(badJson('The frame is not valid JSON.'), undefined);
  }
  if (!isJsonObject(value)) throw new RequestError(badJson('The frame must be a JSON object.'), undefined);
  return value;
}

/** Validates a request frame (one without `type`). Throws RequestError. */
export function parseStreamRequest(value: JsonObject, ids: RequestIdCounter): StreamRequest {
  const textStream = value['text_stream'] === true;
  // A streamed request is addressed by its id in every `text` message, so the client must choose it; it
  // takes no number from the counter.
  if (textStream && (value['request_id'] === undefined || value['request_id'] === null)) {
    throw new RequestError(invalid('request_id', 'is required with `text_stream: true`: `text` messages name the request by it', ['integer', 'string']), undefined);
  }
  const requestId = resolveRequestId(value, ids);
  try {
    const fields = parseSpeechFields(value, { emptyData: textStream });
    return { ...fields, requestId, ...parseFlags(value, STREAM_FLAGS) };
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
  return parseRequestId(given);
}

/** A request id the client gave. Throws RequestError (without an id: an invalid one is not echoed). */
export function parseRequestId(given: unknown): RequestId {
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
/** `emptyData`: `data` may be absent or empty (a streamed request's text arrives later), and is then ''. */
export function parseSpeechFields(value: JsonObject, options: { readonly emptyData?: boolean } = {}): SpeechFields {
  const given = value['data'];
  const data = options.emptyData && (given === undefined || given === null) ? '' : given;
  if (data === undefined || data === null || (data === '' && !options.emptyData)) {
    throw badJson('`data` is missing or empty: send {"voice_uuid": "…", "data": "text or <speak>SSML</speak>"}.');
  }
  if (typeof data !== 'string') throw invalid('data', 'must be a string', ['string']);
  refuseControlCharacters('data', data);
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

/** The flags `names` of a request, validated as REQUEST_FLAGS declares them (InvalidRequest naming the field). */
export function parseFlags<K extends RequestFlag>(value: JsonObject, names: readonly K[]): RequestFlags<K> {
  const flags: Partial<Record<K, boolean>> = {};
  for (const name of names) flags[name] = optionalBoolean(value, REQUEST_FLAGS[name].field, REQUEST_FLAGS[name].fallback);
  return flags as RequestFlags<K>;
}

/** A text field that may be absent (empty text): a string when given. */
export function optionalText(value: JsonObject, field: string): string {
  const given = value[field];
  if (given === undefined || given === null) return '';
  if (typeof given !== 'string') throw invalid(field, 'must be a string', ['string']);
  return given;
}

/** Throws InvalidRequest naming `field` when `text` holds a control character (see CONTROL_CHARACTER). */
export function refuseControlCharacters(field: string, text: string): void {
  const control = CONTROL_CHARACTER.exec(text);
  if (control === null) return;
  const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  throw invalid(field, `holds the control character ${code} at index ${control.index}: only tab, newline and carriage return are accepted`, ['text without control characters other than tab, newline and carriage return']);
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

export function invalid(field: string, rule: string, allowed: readonly (string | number)[]): VoxwireError {
  const params: ErrorParams = { field, allowed };
  return new VoxwireError('InvalidRequest', `\`${field}\` ${rule}.`, params);
}
