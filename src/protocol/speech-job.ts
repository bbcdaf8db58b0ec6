/**
 * Turns validated request fields into what the pipeline runs: the voice and the plan (plain text or
 * SSML). Everything that can be refused is refused here, before any audio is made.
 */
import type { PipelineVoice, PreparedSynthesis, SynthesisPipeline } from '../synthesis/pipeline.js';
import type { SynthesisPlan } from '../synthesis/plan.js';
import { isSsml, planFromSsml, planFromText } from '../synthesis/ssml/index.js';
import { VoxwireError } from './errors.js';
import type { SpeechFields } from './stream-request.js';

export interface VoiceDirectory {
  find(uuid: string): PipelineVoice | undefined;
}

export interface SpeechJob {
  readonly voice: PipelineVoice;
  readonly plan: SynthesisPlan;
  readonly prepared: PreparedSynthesis;
  /** Characters of spoken text, for logs and metrics. */
  readonly characters: number;
}

export function resolveSpeech(fields: SpeechFields, voices: VoiceDirectory, pipeline: SynthesisPipeline): SpeechJob {
  const voice = voices.find(fields.voiceUuid);
  if (voice === undefined) {
    throw new VoxwireError('VoiceNotFound', `No voice has the uuid "${fields.voiceUuid}"; GET /api/v2/voices lists them.`, {
      voice_uuid: fields.voiceUuid,
    });
  }
  const plan = isSsml(fields.data) ? planFromSsml(fields.data) : planFromText(fields.data);
  const prepared = pipeline.prepare(plan, voice);
  let characters = 0;
  for (const item of plan.items) if (item.kind !== 'mark') characters += item.written.length;
  return { voice, plan, prepared, characters };
}
