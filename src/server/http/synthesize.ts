/** `POST /synthesize` (protocol.md section 2): the whole file, base64, with its timestamps and durations. */
import { HTTP_TEXT_LIMIT, parseSpeechFields } from '../../protocol/stream-request.js';
import { resolveSpeech } from '../../protocol/speech-job.js';
import { fileParts, speakWhole } from '../../synthesis/speech.js';
import type { SynthesizeResponse } from '../../protocol/wire.js';
import type { HttpExchange } from './exchange.js';
import { sendJsonWithBase64 } from './responses.js';

export async function synthesize({ request, response, body, context, signal, report }: HttpExchange): Promise<void> {
  const fields = parseSpeechFields(body);
  report.fields = fields;
  const job = resolveSpeech(fields, HTTP_TEXT_LIMIT, context.voices, context.pipeline);
  report.chars = job.characters;
  const spoken = await speakWhole(context.pipeline, job, fields.audio, signal);
  if (spoken === undefined) return;
  const title = body['title'];
  report.audioSeconds = spoken.seconds;
  await sendJsonWithBase64(request, response, 200, {
    success: true,
    audio_content: '',
    audio_timestamps: spoken.alignment,
    duration: report.audioSeconds,
    synth_duration: Math.round(spoken.synthSeconds * 1000) / 1000,
    output_format: fields.audio.format,
    sample_rate: fields.audio.sampleRate,
    seed: 0,
    title: typeof title === 'string' ? title : null,
    issues: [],
  } satisfies SynthesizeResponse, 'audio_content', fileParts(spoken));
}
