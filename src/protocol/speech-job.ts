/**
 * Turns validated request fields into what the pipeline runs: the voice and the plan (plain text or
 * SSML). Everything that can be refused is refused here, before any audio is made: the plan is checked
 * against the request's cost budget (protocol.md, "What one request may cost") and against the engine.
 */
import { checkBudget, costBudget } from '../synthesis/budget.js';
import type { PipelineVoice, PreparedSynthesis, SynthesisPipeline } from '../synthesis/pipeline.js';
import type { SynthesisPlan } from '../synthesis/plan.js';
import { planFromData } from '../synthesis/ssml/index.js';
import { VoxwireError } from './errors.js';
import type { SpeechFields } from './stream-request.js';

export interface VoiceDirectory {
  find(uuid: string): PipelineVoice | undefined;
  /** The voice of a name, case-insensitively: its whole name or the part before " (" ("Ava", "rms"). */
  named(name: string): PipelineVoice | undefined;
  /** Whether some voice speaks a language (for SSML language switches). */
  speaks(language: string): boolean;
}

export interface SpeechJob {
  readonly voice: PipelineVoice;
  readonly plan: SynthesisPlan;
  readonly prepared: PreparedSynthesis;
  /** Characters of written text, for logs and metrics. */
  readonly characters: number;
}

/**
 * Parses `data`, checks it against the budget of a request whose written text may have `textLimit`
 * characters (tags not counted; spoken text twice that) and finds the voice.
 */
export function resolveSpeech(fields: SpeechFields, textLimit: number, voices: VoiceDirectory, pipeline: SynthesisPipeline): SpeechJob {
  const plan = planFromData(fields.data, {}, (language) => voices.speaks(language));
  const cost = checkBudget(plan, costBudget(textLimit));
  const voice = findVoice(fields.voiceUuid, voices);
  return { voice, plan, prepared: pipeline.prepare(plan, voice), characters: cost.writtenChars };
}

/**
 * A streamed request (protocol.md section 7): its voice, and an empty plan checked against the voice's
 * engine; its text, `data` included, arrives through a TextStream and is checked clause by clause.
 */
export function resolveStreamedSpeech(fields: SpeechFields, voices: VoiceDirectory, pipeline: SynthesisPipeline): SpeechJob {
  const voice = findVoice(fields.voiceUuid, voices);
  const plan: SynthesisPlan = { items: [] };
  return { voice, plan, prepared: pipeline.prepare(plan, voice), characters: 0 };
}

function findVoice(uuid: string, voices: VoiceDirectory): PipelineVoice {
  const voice = voices.find(uuid);
  if (voice === undefined) throw voiceNotFound(uuid);
  return voice;
}

export function voiceNotFound(uuid: string): VoxwireError {
  return new VoxwireError('VoiceNotFound', `No voice has the uuid "${uuid}"; GET /api/v2/voices lists them.`, { voice_uuid: uuid });
}
