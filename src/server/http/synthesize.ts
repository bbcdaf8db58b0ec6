/** `POST /synthesize` (protocol.md section 2): the whole file, base64, with its timestamps and durations. */
import { HTTP_TEXT_LIMIT, parseSpeechFields } from '../../protocol/stream-request.js';
import { resolveSpeech } from '../../protocol/speech-job.js';
import { chunksDuration } from '../../audio/duration.js';
import { wavFileHeader } from '../../audio/wav.js';
import { renderWhole } from '../../synthesis/render.js';
import type { SynthesizeResponse } from '../../protocol/wire.js';
import type { HttpExchange } from './exchange.js';
import { sendJsonWithBase64 } from './responses.js';

export async function synthesize({ request, response, body, context, signal, report }: HttpExchange): Promise<void> {
  const fields = parseSpeechFields(body);
  report.fields = fields;
  const job = resolveSpeech(fields, HTTP_TEXT_LIMIT, context.voices, context.pipeline);
  report.chars = job.characters;
  const rendered = await renderWhole(context.pipeline, job, fields.audio, signal);
  if (rendered === undefined) return;
  // The answer is written from the rendered chunks as they are: joining tens of MB into one buffer (twice, with
  // the WAV header) held the event loop for 70–100 ms each time.
  const file = fields.audio.format === 'wav' ? [wavFileHeader(fields.audio, rendered.bytes), ...rendered.chunks] : rendered.chunks;
  const title = body['title'];
  report.audioSeconds = chunksDuration(fields.audio, rendered.chunks);
  await sendJsonWithBase64(request, response, 200, {
    success: true,
    audio_content: '',
    audio_timestamps: rendered.alignment,
    duration: report.audioSeconds,
    synth_duration: Math.round(rendered.synthSeconds * 1000) / 1000,
    output_format: fields.audio.format,
    sample_rate: fields.audio.sampleRate,
    seed: 0,
    title: typeof title === 'string' ? title : null,
    issues: [],
  } satisfies SynthesizeResponse, 'audio_content', file);
}
