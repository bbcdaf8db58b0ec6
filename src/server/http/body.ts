/** Reads a JSON request body with a size limit, refusing with errors of the catalogue. */
import type { IncomingMessage } from 'node:http';
import { VoxwireError } from '../../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../../protocol/stream-request.js';

/** Largest request body (ours): 2,000 characters of SSML with generous markup fit many times over. */
export const MAX_BODY_BYTES = 64 * 1024;

export async function readJsonBody(request: IncomingMessage, maxBytes: number = MAX_BODY_BYTES): Promise<JsonObject> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(part);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(parts, size).toString('utf8'));
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
