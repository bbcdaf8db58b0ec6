/**
 * Turns validated request fields into what the pipeline runs: the voice and the plan (plain text or
 * SSML). Everything that can be refused is refused here, before any audio is made.
 */
import type { PipelineVoice, PreparedSynthesis, SynthesisPipeline } from '../synthesis/pipeline.js';
import { writtenLength, type SynthesisPlan } from '../synthesis/plan.js';
import { isSsml, planFromSsml, planFromText } from '../synthesis/ssml/index.js';
import { VoxwireError } from './errors.js';
import type { SpeechFields } from './stream-request.js';

export interface VoiceDirectory {
  find(uuid: string): PipelineVoice | undefined;
  /** Whether some voice speaks a language (for SSML language switches). */
  speaks(language: string): boolean;
}

export interface SpeechJob {
  readonly voice: PipelineVoice;
  readonly plan: SynthesisPlan;
  readonly prepared: PreparedSynthesis;
  /** Characters of spoken text, for logs and metrics. */
  readonly characters: number;
}

/** Parses `data`, checks its length against `textLimit` (tags not counted) and finds the voice. */
export function resolveSpeech(fields: SpeechFields, textLimit: number, voices: VoiceDirectory, pipeline: SynthesisPipeline): SpeechJob {
  const plan = isSsml(fields.data) ? planFromSsml(fields.data, {}, (language) => voices.speaks(language)) : planFromText(fields.data);
  const characters = writtenLength(plan);
  if (characters > textLimit) {
    throw new VoxwireError('TextTooLong', `\`data\` has ${characters} characters (not counting tags); the limit is ${textLimit}.`, {
      length: characters,
      max_length: textLimit,
    });
  }
  const voice = voices.find(fields.voiceUuid);
  if (voice === undefined) {
    throw new VoxwireError('VoiceNotFound', `No voice has the uuid "${fields.voiceUuid}"; GET /api/v2/voices lists them.`, {
      voice_uuid: fields.voiceUuid,
    });
  }
  return { voice, plan, prepared: pipeline.prepare(plan, voice), characters };
}
