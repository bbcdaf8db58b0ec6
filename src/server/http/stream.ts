/**
 * `POST /stream` (protocol.md section 3): chunked audio that starts as soon as the first audio exists, or,
 * with `wav_encoded_timestamps`, a WAV whose `cue `/`LIST` chunks carry the whole alignment before the data.
 * A client that disconnects aborts the synthesis through the exchange's signal.
 */
import type { ServerResponse } from 'node:http';
import { VoxwireError } from '../../protocol/errors.js';
import { HTTP_TEXT_LIMIT, parseFlags, parseSpeechFields } from '../../protocol/stream-request.js';
import { resolveSpeech } from '../../protocol/speech-job.js';
import { AudioSeconds, carriesTimestamps, contentType as contentTypeOf, speakTimestampedWav, streamSpeech } from '../../synthesis/speech.js';
import type { HttpExchange } from './exchange.js';

export async function streamAudio({ response, body, context, signal, report }: HttpExchange): Promise<void> {
  const fields = parseSpeechFields(body);
  report.fields = fields;
  const withTimestamps = parseFlags(body, ['wavEncodedTimestamps']).wavEncodedTimestamps;
  if (withTimestamps && !carriesTimestamps(fields.audio)) {
    throw new VoxwireError('InvalidRequest', '`wav_encoded_timestamps` needs `output_format` "wav".', { field: 'wav_encoded_timestamps', allowed: ['false'] });
  }
  const job = resolveSpeech(fields, HTTP_TEXT_LIMIT, context.voices, context.pipeline);
  report.chars = job.characters;
  const contentType = contentTypeOf(fields.audio);

  if (withTimestamps) {
    const spoken = await speakTimestampedWav(context.pipeline, job, fields.audio, signal);
    if (spoken === undefined) return;
    response.writeHead(200, { 'Content-Type': contentType });
    report.firstAudioAt = performance.now();
    await write(response, spoken.header);
    const sent = new AudioSeconds(fields.audio, false);
    for (const chunk of spoken.audio) {
      await write(response, chunk);
      sent.add(chunk);
      report.audioSeconds = sent.seconds;
    }
    response.end();
    return;
  }

  const sent = new AudioSeconds(fields.audio, true);
  const chunks = streamSpeech(context.pipeline, job, { format: fields.audio, header: 'streaming', timestamps: false, signal });
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
