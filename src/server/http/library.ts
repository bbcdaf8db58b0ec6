/**
 * The voice library over HTTP (protocol.md sections 4 and 6): creating, changing and deleting voices, voice
 * design, its samples, and promoting a candidate. The logic is the library's (src/library/library.ts); this
 * module only reads bodies and shapes answers.
 */
import { VoxwireError } from '../../protocol/errors.js';
import type { JsonObject } from '../../protocol/stream-request.js';
import { checkDescription, LibraryRefusal, parseSettings, type UpdateVoiceInput } from '../../library/library.js';
import type { DesignRecord } from '../../library/store.js';
import type { HttpExchange } from './exchange.js';
import { sendError, sendJson, type HttpFailure } from './responses.js';
import { voiceResource } from './voices.js';

/** Catalogue errors pass through; the library's own refusals get their status (403, 422, 503) and the contract's shape. */
const REFUSAL_NAMES = { 403: 'Forbidden', 422: 'Unprocessable', 503: 'ServiceUnavailable' } as const;

async function answering(exchange: HttpExchange, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof LibraryRefusal)) throw error;
    const failure: HttpFailure = { status: error.status, errorName: REFUSAL_NAMES[error.status], message: error.message };
    // As for keys while the database is away: a short wait, then the client tries again.
    await sendError(exchange.request, exchange.response, failure, error.status === 503 ? { 'Retry-After': '2' } : {});
  }
}

function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new VoxwireError('InvalidRequest', `\`${field}\` must be a string.`, { field });
  return value;
}

function requiredString(body: JsonObject, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined) throw new VoxwireError('InvalidRequest', `\`${field}\` is required.`, { field });
  return value;
}

/** A whole number given as JSON number or form text. */
function index(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new VoxwireError('InvalidRequest', `\`${field}\` must be a whole number.`, { field });
  return number;
}

/** POST /api/v2/voices */
export function createVoiceRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const { body, context } = exchange;
    if (body['dataset_url'] !== undefined) {
      throw new LibraryRefusal(
        422,
        'Voice cloning (`dataset_url`) needs an engine that can clone, and none is installed on this server. Derive a voice with `base_voice_uuid` and `settings`, or design one with POST /api/v2/voice-design.',
      );
    }
    const language = optionalString(body, 'language');
    const baseVoiceUuid = optionalString(body, 'base_voice_uuid');
    const description = checkDescription(body['description']);
    const settings = parseSettings(body['settings']);
    const voice = await context.library.create({
      name: requiredString(body, 'name'),
      ...(description === undefined ? {} : { description }),
      ...(language === undefined ? {} : { language }),
      ...(baseVoiceUuid === undefined ? {} : { baseVoiceUuid }),
      ...(settings === undefined ? {} : { settings }),
    });
    await sendJson(exchange.request, exchange.response, 200, { success: true, item: voiceResource(voice) });
  });
}

/** PUT and PATCH /api/v2/voices/{uuid} */
export function updateVoiceRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const { body, context, params } = exchange;
    const name = optionalString(body, 'name');
    const description = checkDescription(body['description']);
    const settings = parseSettings(body['settings']);
    const input: UpdateVoiceInput = {
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      ...(settings === undefined ? {} : { settings }),
    };
    const voice = await context.library.update(params['uuid'] ?? '', input);
    await sendJson(exchange.request, exchange.response, 200, { success: true, item: voiceResource(voice) });
  });
}

/** DELETE /api/v2/voices/{uuid} */
export function deleteVoiceRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    await exchange.context.library.remove(exchange.params['uuid'] ?? '');
    await sendJson(exchange.request, exchange.response, 200, { success: true, message: 'Voice was deleted.' });
  });
}

/** The absolute URL of a sample, on the host the client called. */
function sampleUrl(exchange: HttpExchange, design: string, sample: number): string {
  const host = exchange.request.headers.host ?? 'localhost';
  return `http://${host}/api/v2/voice-design/${design}/samples/${sample}.wav`;
}

/** POST /api/v2/voice-design */
export function designRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const design = await exchange.context.library.design(requiredString(exchange.body, 'user_prompt'), exchange.signal);
    await sendJson(exchange.request, exchange.response, 200, {
      success: true,
      voice_candidates: design.candidates.map((_, sample) => ({ audio_url: sampleUrl(exchange, design.uuid, sample), voice_sample_index: sample, uuid: design.uuid })),
      matched_attributes: design.matched,
      ignored_phrases: design.ignored,
      engine: design.engine,
    });
  });
}

function designResource(exchange: HttpExchange, design: DesignRecord): Record<string, unknown> {
  return {
    uuid: design.uuid,
    prompt_text: design.prompt,
    preview_samples: design.candidates.map((_, sample) => ({ audio_url: sampleUrl(exchange, design.uuid, sample), sample_index: sample })),
    created_at: design.createdAt,
  };
}

/** GET /api/v2/voice-design */
export function listDesignsRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const designs = await exchange.context.library.designs();
    await sendJson(exchange.request, exchange.response, 200, { success: true, voice_designs: designs.map((design) => designResource(exchange, design)) });
  });
}

/** GET /api/v2/voice-design/{design}/samples/{index}.wav */
export function designSampleRoute(exchange: HttpExchange): Promise<void> {
  const { request, response, params, context } = exchange;
  return answering(exchange, async () => {
    const wav = await context.library.sample((params['design'] ?? '').toLowerCase(), Number(params['index']));
    if (wav === undefined) {
      await sendError(request, response, { status: 404, errorName: 'NotFound', message: 'No such sample: it was never made, or its design was deleted or swept (samples are kept 4 hours).' });
      return;
    }
    response.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length });
    response.end(request.method === 'HEAD' ? undefined : wav);
  });
}

/** POST /api/v2/voice-design/{design}/{index}/create_rapid_voice (and …/create): 202. */
export function promoteRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const { params, body } = exchange;
    const voice = await exchange.context.library.promote(params['design'] ?? '', index(params['index'], 'voice_sample_index'), requiredString(body, 'voice_name'));
    await sendJson(exchange.request, exchange.response, 202, { success: true, voice_uuid: voice.uuid });
  });
}

/** POST /api/v2/voice-design/create with {uuid, voice_sample_index, name}: 200. */
export function createFromDesignRoute(exchange: HttpExchange): Promise<void> {
  return answering(exchange, async () => {
    const { body } = exchange;
    const voice = await exchange.context.library.promote(requiredString(body, 'uuid'), index(body['voice_sample_index'], 'voice_sample_index'), requiredString(body, 'name'));
    await sendJson(exchange.request, exchange.response, 200, { success: true, voice_uuid: voice.uuid, item: voiceResource(voice) });
  });
}
