/**
 * `POST /stream` (protocol.md section 3): chunked audio that starts as soon as the first audio exists, or,
 * with `wav_encoded_timestamps`, a WAV whose `cue `/`LIST` chunks carry the whole alignment before the data.
 * A client that disconnects aborts the synthesis through the exchange's signal.
 */
import type { ServerResponse } from 'node:http';
import { wavHeaderWithCues } from '../../audio/wav.js';
import { VoxwireError } from '../../protocol/errors.js';
import { HTTP_TEXT_LIMIT, parseSpeechFields, type JsonObject } from '../../protocol/stream-request.js';
import { resolveSpeech } from '../../protocol/speech-job.js';
import { renderAudio, renderWhole } from '../../synthesis/render.js';
import { AudioSeconds } from '../../audio/duration.js';
import { alignmentCues } from './audio-file.js';
import type { HttpExchange } from './exchange.js';

export async function streamAudio({ response, body, context, signal, report }: HttpExchange): Promise<void> {
  const fields = parseSpeechFields(body);
  report.fields = fields;
  const withTimestamps = wavEncodedTimestamps(body);
  if (withTimestamps && fields.audio.format !== 'wav') {
    throw new VoxwireError('InvalidRequest', '`wav_encoded_timestamps` needs `output_format` "wav".', { field: 'wav_encoded_timestamps', allowed: ['false'] });
  }
  const job = resolveSpeech(fields, HTTP_TEXT_LIMIT, context.voices, context.pipeline);
  report.chars = job.characters;
  const contentType = fields.audio.format === 'wav' ? 'audio/wav' : 'audio/mpeg';
  // The timestamped form writes its own header, apart from the audio chunks.
  const sent = new AudioSeconds(fields.audio, !withTimestamps);

  if (withTimestamps) {
    const rendered = await renderWhole(context.pipeline, job, fields.audio, signal);
    if (rendered === undefined) return;
    response.writeHead(200, { 'Content-Type': contentType });
    report.firstAudioAt = performance.now();
    await write(response, wavHeaderWithCues(fields.audio.sampleRate, fields.audio.precision, alignmentCues(rendered.alignment, fields.audio.sampleRate)));
    for (const chunk of rendered.chunks) {
      await write(response, chunk);
      sent.add(chunk);
      report.audioSeconds = sent.seconds;
    }
    response.end();
    return;
  }

  const chunks = renderAudio(context.pipeline, { plan: job.plan, voice: job.voice, prepared: job.prepared, signal, timestamps: false }, { format: fields.audio, header: 'streaming' });
  for await (const chunk of chunks) {
    if (signal.aborted) return;
    if (chunk.audio.length === 0) continue;
    // Headers wait for the first audio, so a failure before it can still be answered as a JSON error.
    if (!response.headersSent) response.writeHead(200, { 'Content-Type': contentType });
    report.firstAudioAt ??= performance.now();
    await write(response, chunk.audio);
    sent.add(chunk.audio);
    report.audioSeconds = sent.seconds;
  }
  if (signal.aborted) return;
  if (!response.headersSent) response.writeHead(200, { 'Content-Type': contentType });
  response.end();
}

function wavEncodedTimestamps(body: JsonObject): boolean {
  const value = body['wav_encoded_timestamps'];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new VoxwireError('InvalidRequest', '`wav_encoded_timestamps` must be true or false.', { field: 'wav_encoded_timestamps', allowed: ['true', 'false'] });
  return value;
}

/** Writes a chunk, waiting while the socket is full so a slow reader slows its own synthesis. */
export async function write(response: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (response.destroyed || response.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
