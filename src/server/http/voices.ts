/** `GET /api/v2/voices` and `GET /api/v2/voices/{uuid}` (protocol.md section 4). */
import { VoxwireError } from '../../protocol/errors.js';
import type { Voice } from '../../voices/catalogue.js';
import type { VoiceListResponse, VoiceResource, VoiceResponse } from '../../protocol/wire.js';
import type { HttpExchange } from './exchange.js';
import { sendError, sendJson } from './responses.js';

const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 1000;

/** The wire shape of a voice. Every voice is ready at once and supports sync and streaming synthesis. */
export function voiceResource(voice: Voice): VoiceResource {
  const library = voice.library;
  return {
    uuid: voice.uuid,
    name: voice.name,
    status: 'ready',
    voice_status: 'ready',
    voice_type: library?.voiceType ?? 'built_in',
    default_language: voice.language,
    supported_languages: [voice.language],
    source: voice.engine,
    engine: voice.engine,
    sample_rate: voice.sampleRate,
    ...(voice.quality === undefined ? {} : { quality: voice.quality }),
    ...(voice.speaker === undefined ? {} : { speaker: voice.speaker }),
    component_status: { text_to_speech: { status: 'ready' } },
    api_support: { sync_tts: true, async_tts: false, streaming: true },
    created_at: voice.createdAt,
    updated_at: library?.updatedAt ?? voice.createdAt,
    ...(library === undefined ? {} : { description: library.description, filters: library.filters }),
  };
}

export async function listVoicesRoute({ request, response, url, context }: HttpExchange): Promise<void> {
  const page = positiveInteger(url, 'page', 1, Number.MAX_SAFE_INTEGER);
  const pageSize = positiveInteger(url, 'page_size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const voices = context.voices.list();
  const pages = Math.ceil(voices.length / pageSize);
  const items = voices.slice((page - 1) * pageSize, page * pageSize).map(voiceResource);
  await sendJson(request, response, 200, {
    success: true,
    page,
    page_size: pageSize,
    num_pages: pages,
    page_count: pages,
    total_results: voices.length,
    items,
  } satisfies VoiceListResponse);
}

export async function getVoiceRoute({ request, response, params, context }: HttpExchange): Promise<void> {
  const uuid = params['uuid'] ?? '';
  const voice = context.voices.find(uuid);
  if (voice === undefined) {
    await sendError(request, response, new VoxwireError('VoiceNotFound', `No voice has the uuid "${uuid}".`, { voice_uuid: uuid }));
    return;
  }
  await sendJson(request, response, 200, { success: true, item: voiceResource(voice) } satisfies VoiceResponse);
}

function positiveInteger(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new VoxwireError('InvalidRequest', `\`${name}\` must be a whole number from 1 to ${max}.`, { field: name, allowed: [`1..${max}`] });
  }
  return value;
}
