/**
 * OpenAI's speech API: `POST /v1/audio/speech` and `GET /v1/models`. The audio streams (chunked, or as
 * server-sent events) from the first page or frame the codec completes; nothing waits for the whole request.
 * Auth, connection limits, the request log and the metrics are the router's, as for every other endpoint.
 */
import { VoxwireError } from '../../protocol/errors.js';
import type { SpeechJob } from '../../protocol/speech-job.js';
import { OPENAI_SAMPLE_RATE, OPENAI_SPEECH_MODELS, parseOpenAiSpeech, resolveOpenAiSpeech } from '../../protocol/openai-speech.js';
import { speakEncoded, type EncodedSpeech } from '../../synthesis/speech.js';
import type { ServerContext } from '../context.js';
import type { HttpExchange } from './exchange.js';
import { sendJson } from './responses.js';
import { write } from './stream.js';

/**
 * AAC streams open at once, by default. Each runs FFmpeg's encoder in a worker thread of its own (mediabunny
 * starts one per stream: a thread start and its own wasm memory); past the bound an AAC request is refused
 * with 429 rather than growing threads without limit. The other codecs run on the main thread.
 */
export const DEFAULT_MAX_AAC_STREAMS = 16;

export async function openAiSpeech(exchange: HttpExchange): Promise<void> {
  const { body, context, report } = exchange;
  const speech = parseOpenAiSpeech(body);
  const job = resolveOpenAiSpeech(speech, context.voices, context.openAi.voices, context.pipeline);
  report.chars = job.characters;
  report.fields = { voiceUuid: speech.voice, audio: { format: speech.responseFormat, sampleRate: OPENAI_SAMPLE_RATE } };
  const giveBack = speech.responseFormat === 'aac' ? aacPlace(context) : undefined;
  const audio = speakEncoded(context.pipeline, job, speech.responseFormat, OPENAI_SAMPLE_RATE, exchange.signal);
  try {
    await stream(exchange, job, audio, speech.streamFormat === 'sse');
  } finally {
    await audio.dispose();
    giveBack?.();
  }
}

function aacPlace(context: ServerContext): () => void {
  const giveBack = context.openAi.aacStreams.take();
  if (giveBack === undefined) {
    const max = context.openAi.aacStreams.size;
    throw new VoxwireError('ConcurrencyLimitExceeded', `This server encodes at most ${max} AAC streams at once; retry shortly or ask for another response_format.`, { field: 'response_format' });
  }
  return giveBack;
}

async function stream({ response, signal, report }: HttpExchange, job: SpeechJob, audio: EncodedSpeech, sse: boolean): Promise<void> {
  let samples = 0;
  // Headers wait for the first audio, so a failure before it can still be answered as a JSON error.
  const start = async (): Promise<void> => {
    if (!response.headersSent) response.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : await audio.contentType });
  };
  for await (const piece of audio.pieces) {
    if (signal.aborted) return;
    samples += piece.samples;
    report.audioSeconds = samples / OPENAI_SAMPLE_RATE;
    if (piece.audio.length === 0) continue;
    await start();
    report.firstAudioAt ??= performance.now();
    await write(response, sse ? sseEvent({ type: 'speech.audio.delta', audio: Buffer.from(piece.audio.buffer, piece.audio.byteOffset, piece.audio.byteLength).toString('base64') }) : piece.audio);
  }
  if (signal.aborted) return;
  await start();
  if (sse) await write(response, sseEvent({ type: 'speech.audio.done', usage: usage(job.characters) }));
  response.end();
}

/** One server-sent event: a `data:` line holding the JSON, then the blank line that ends the event. */
function sseEvent(event: Readonly<Record<string, unknown>>): Buffer {
  return Buffer.from(`data: ${JSON.stringify(event)}\n\n`, 'utf8');
}

/**
 * OpenAI bills speech in tokens; voxwire has none to count, so `usage` reports the input's characters as its
 * input tokens and no output tokens: the field is there for clients that read it, not a cost.
 */
function usage(characters: number): Readonly<Record<string, number>> {
  return { input_tokens: characters, output_tokens: 0, total_tokens: characters };
}

/** The model list the OpenAI SDKs and front ends read; any other model name is accepted as well. */
export async function openAiModels({ request, response }: HttpExchange): Promise<void> {
  await sendJson(request, response, 200, {
    object: 'list',
    data: OPENAI_SPEECH_MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'voxwire' })),
  });
}
