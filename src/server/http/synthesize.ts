/** `POST /synthesize` (protocol.md section 2): the whole file, base64, with its timestamps and durations. */
import { HTTP_TEXT_LIMIT, parseSpeechFields } from '../../protocol/stream-request.js';
import { resolveSpeech } from '../../protocol/speech-job.js';
import { audioDuration } from '../../audio/duration.js';
import { wavFile } from '../../audio/wav.js';
import { renderWhole } from '../../synthesis/render.js';
import type { HttpExchange } from './exchange.js';
import { sendJson } from './responses.js';

export async function synthesize({ request, response, body, context, signal, report }: HttpExchange): Promise<void> {
  const fields = parseSpeechFields(body);
  report.fields = fields;
  const job = resolveSpeech(fields, HTTP_TEXT_LIMIT, context.voices, context.pipeline);
  report.chars = job.characters;
  const rendered = await renderWhole(context.pipeline, job, fields.audio, signal);
  if (rendered === undefined) return;
  const audio = Buffer.concat(rendered.chunks, rendered.bytes);
  const file = fields.audio.format === 'wav' ? wavFile(fields.audio, audio) : audio;
  const title = body['title'];
  report.audioSeconds = audioDuration(fields.audio, audio);
  await sendJson(request, response, 200, {
    success: true,
    audio_content: file.toString('base64'),
    audio_timestamps: rendered.alignment,
    duration: report.audioSeconds,
    synth_duration: Math.round(rendered.synthSeconds * 1000) / 1000,
    output_format: fields.audio.format,
    sample_rate: fields.audio.sampleRate,
    seed: 0,
    title: typeof title === 'string' ? title : null,
    issues: [],
  });
}
