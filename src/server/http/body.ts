/**
 * JSON request bodies: the media type they must declare, and reading one with a size limit, refusing with
 * errors of the catalogue.
 */
import type { IncomingMessage } from 'node:http';
import { VoxwireError } from '../../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../../protocol/stream-request.js';

/** Largest request body (ours): 2,000 characters of SSML with generous markup fit many times over. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The UTF-8 byte order mark some clients (Windows tools among them) put before JSON: skipped, not an error. */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * `application/json`, with at most a UTF-8 charset: what every SDK sends. Anything else is refused (415)
 * before the body is read, because a page can send `text/plain` or a form to any origin without a CORS
 * preflight, and such a body must never be taken for a request.
 */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  return type === 'application/json' && parameters.every((parameter) => !parameter.startsWith('charset=') || /^charset="?utf-8"?$/.test(parameter));
}

/** The whole body, refused past `maxBytes` (declared or sent). */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}

export async function readJsonBody(request: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<JsonObject> {
  const bytes = await readBody(request, maxBytes);
  let value: unknown;
  try {
    const start = bytes.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
    value = JSON.parse(bytes.toString('utf8', start));
  } catch {
    throw badJson('The request body is not valid JSON.');
  }
  if (!isJsonObject(value)) throw badJson('The request body must be a JSON object.');
  return value;
}

function tooLarge(maxBytes: number): VoxwireError {
  return new VoxwireError('MessageTooLarge', `Request bodies may hold at most ${maxBytes} bytes.`, { max_bytes: maxBytes });
}

function badJson(problem: string): VoxwireError {
  const explanation = 'send a JSON object such as {"voice_uuid": "…", "data": "text or <speak>SSML</speak>"}';
  return new VoxwireError('BadJSON', `${problem} Send a JSON object with \`voice_uuid\` and \`data\`.`, { explanation });
}

/** `multipart/form-data` or `application/x-www-form-urlencoded`: the form bodies voice design also takes (protocol.md section 6). */
export function isFormContentType(value: string | undefined): boolean {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded';
}

/**
 * A form body as a JSON object of its text fields (files are refused). Such a body reaches a route only from a
 * client without an `Origin` or from an allowed origin: the browser rules run first, so a foreign page's form
 * never gets here.
 */
export async function readFormBody(request: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<JsonObject> {
  const bytes = await readBody(request, maxBytes);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
  } catch {
    throw new VoxwireError('BadJSON', 'The form body cannot be read.', { explanation: 'send the fields as JSON, multipart/form-data or application/x-www-form-urlencoded' });
  }
  const body: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value !== 'string') throw new VoxwireError('InvalidRequest', `The form field \`${name}\` must be text, not a file.`, { field: name });
    body[name] = value;
  }
  return body;
}
