/**
 * OpenAI's `POST /v1/audio/speech` request (its API reference, "Create speech"): validation of the body and
 * what the pipeline runs for it. Pure, like the rest of the protocol layer. Every refusal is a VoxwireError of
 * the catalogue whose params carry OpenAI's `param` (as `field`) and `code`, so the transport can answer in
 * OpenAI's error shape.
 */
import { STREAM_FORMATS, type StreamFormat } from '../audio/stream-encoder.js';
import { NEUTRAL_PROSODY, type Prosody } from '../engines/engine.js';
import { checkBudget, costBudget } from '../synthesis/budget.js';
import type { SynthesisPlan } from '../synthesis/plan.js';
import { promptDelivery, promptProsody } from '../synthesis/ssml/prosody.js';
import type { PipelineVoice, PreparedSynthesis, SynthesisPipeline } from '../synthesis/pipeline.js';
import { catalogueError, VoxwireError } from './errors.js';
import { voiceByReference, type OpenAiVoiceTable } from './openai-voices.js';
import type { SpeechJob, VoiceDirectory } from './speech-job.js';
import { HTTP_TEXT_LIMIT, refuseControlCharacters, type JsonObject } from './stream-request.js';

/** What `GET /v1/models` lists; any other model name is accepted as well (the engine is the voice's). */
export const OPENAI_SPEECH_MODELS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'gpt-4o-mini-tts-2025-12-15'] as const;

/** OpenAI's output rate: every response format is 24 kHz mono. */
export const OPENAI_SAMPLE_RATE = 24000;

export const SPEED_RANGE = [0.25, 4] as const;

/** Longest `instructions` accepted (OpenAI's own limit for it). */
export const MAX_INSTRUCTIONS_CHARS = 4096;

export const STREAM_KINDS = ['audio', 'sse'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

export interface OpenAiSpeechRequest {
  readonly model: string;
  readonly input: string;
  readonly voice: string;
  readonly responseFormat: StreamFormat;
  readonly speed: number;
  readonly instructions: string;
  readonly streamFormat: StreamKind;
}

function refused(field: string, code: string, message: string, allowed?: readonly (string | number)[]): VoxwireError {
  return new VoxwireError('InvalidRequest', message, { field, code, ...(allowed === undefined ? {} : { allowed }) });
}

function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw refused(field, 'invalid_type', `Invalid type for '${field}': expected a string.`);
  return value;
}

function optionalChoice<T extends string>(body: JsonObject, field: string, allowed: readonly T[], fallback: T): T {
  const value = optionalString(body, field);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw refused(field, 'invalid_value', `Invalid value for '${field}': '${value}'. Supported values are: ${allowed.map((item) => `'${item}'`).join(', ')}.`, allowed);
  }
  return value as T;
}

/** The voice as sent: a name or uuid, or the SDK's custom-voice object `{ "id": … }`. */
function voiceOf(body: JsonObject): string {
  const value = body['voice'];
  const id = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject)['id'] : value;
  if (id === undefined || id === null || id === '') throw refused('voice', 'missing_required_parameter', "Missing required parameter: 'voice'.");
  if (typeof id !== 'string') throw refused('voice', 'invalid_type', "Invalid type for 'voice': expected a string or an object with a string 'id'.");
  return id;
}

/**
 * Validates the body. `model` is accepted whatever it names (and when absent); unknown fields are ignored,
 * as the Resemble endpoints ignore theirs, since clients of OpenAI-compatible servers send extra ones.
 */
export function parseOpenAiSpeech(body: JsonObject): OpenAiSpeechRequest {
  const model = optionalString(body, 'model') ?? OPENAI_SPEECH_MODELS[0];
  const input = optionalString(body, 'input');
  if (input === undefined) throw refused('input', 'missing_required_parameter', "Missing required parameter: 'input'.");
  if (input.trim() === '') throw refused('input', 'empty_string', "Invalid 'input': empty string. Send the text to speak.");
  refuseControlCharacters('input', input);
  const instructions = optionalString(body, 'instructions') ?? '';
  if (instructions.length > MAX_INSTRUCTIONS_CHARS) {
    throw refused('instructions', 'string_above_max_length', `Invalid 'instructions': string too long (${instructions.length} characters; at most ${MAX_INSTRUCTIONS_CHARS}).`);
  }
  return {
    model,
    input,
    voice: voiceOf(body),
    responseFormat: optionalChoice(body, 'response_format', STREAM_FORMATS, 'mp3'),
    speed: speedOf(body),
    instructions,
    streamFormat: optionalChoice(body, 'stream_format', STREAM_KINDS, 'audio'),
  };
}

function speedOf(body: JsonObject): number {
  const value = body['speed'];
  if (value === undefined || value === null) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw refused('speed', 'invalid_type', "Invalid type for 'speed': expected a number.");
  const [low, high] = SPEED_RANGE;
  if (value < low) throw refused('speed', 'decimal_below_min_value', `Invalid 'speed': ${value} is below the minimum of ${low}.`, [...SPEED_RANGE]);
  if (value > high) throw refused('speed', 'decimal_above_max_value', `Invalid 'speed': ${value} is above the maximum of ${high}.`, [...SPEED_RANGE]);
  return value;
}

/**
 * `instructions` steer delivery with the vocabulary of `<speak prompt="…">` (style words such as calm, excited,
 * whisper, slow): the one place OpenAI's instructions meet voxwire's prompted synthesis.
 */
function deliveryProsody(instructions: string): Prosody {
  if (instructions.trim() === '') return NEUTRAL_PROSODY;
  try {
    return promptProsody(instructions, { line: 1, column: 1 });
  } catch (error) {
    const known = catalogueError(error);
    if (known !== undefined) throw refused('instructions', 'invalid_value', `Invalid 'instructions': ${known.message}.`);
    throw error;
  }
}

/** The voice a request names: a voxwire uuid, then the OpenAI name table, then a voxwire voice name. */
function voiceFor(voice: string, voices: VoiceDirectory, table: OpenAiVoiceTable): PipelineVoice {
  const mapped = table.get(voice.toLowerCase());
  const found = voices.find(voice) ?? (mapped === undefined ? undefined : voiceByReference(voices, mapped)) ?? voices.named(voice);
  if (found === undefined) {
    const names = [...table.keys()];
    throw refused('voice', 'invalid_value', `Invalid value for 'voice': '${voice}'. Use one of ${names.map((name) => `'${name}'`).join(', ')}, or a voxwire voice's uuid or name (GET /api/v2/voices).`, names);
  }
  return found;
}

/**
 * The request as the pipeline runs it: plain text (OpenAI's input is never SSML) spoken at `speed` times the
 * rate the instructions ask for. The text budget is the other HTTP endpoints' (2,000 characters) at any rate
 * from half speed up; below half speed it shrinks in proportion, so no request makes more audio than the
 * slowest request the contract allows (2,000 characters at half speed).
 */
export function resolveOpenAiSpeech(speech: OpenAiSpeechRequest, voices: VoiceDirectory, table: OpenAiVoiceTable, pipeline: SynthesisPipeline): SpeechJob {
  const delivery = deliveryProsody(speech.instructions);
  const rate = Math.min(SPEED_RANGE[1], Math.max(SPEED_RANGE[0], delivery.rate * speech.speed));
  const voiceDelivery = promptDelivery(speech.instructions);
  const plan: SynthesisPlan = {
    items: [{ kind: 'speech', written: speech.input, spoken: speech.input, prosody: { ...delivery, rate } }],
    ...(voiceDelivery === undefined ? {} : { delivery: voiceDelivery }),
  };
  const limit = Math.floor(HTTP_TEXT_LIMIT * Math.min(1, 2 * rate));
  let cost;
  try {
    cost = checkBudget(plan, costBudget(limit));
  } catch (error) {
    const known = catalogueError(error);
    if (known?.errorName === 'TextTooLong') {
      throw new VoxwireError('TextTooLong', `Invalid 'input': ${known.message}${limit < HTTP_TEXT_LIMIT ? ` (the limit shrinks below half speed; this request's rate is ${Number(rate.toFixed(3))})` : ''}`, {
        ...known.params,
        field: 'input',
        code: 'string_above_max_length',
      });
    }
    throw error;
  }
  const voice = voiceFor(speech.voice, voices, table);
  return { voice, plan, prepared: prepare(pipeline, plan, voice), characters: cost.writtenChars };
}

/** The pipeline's check of the plan against the voice's engine; what it says of `data` is said of `input`. */
function prepare(pipeline: SynthesisPipeline, plan: SynthesisPlan, voice: PipelineVoice): PreparedSynthesis {
  try {
    return pipeline.prepare(plan, voice);
  } catch (error) {
    const known = catalogueError(error);
    if (known !== undefined && known.params['field'] === 'data') {
      throw new VoxwireError(known.errorName, known.message.replace('`data`', "'input'"), { ...known.params, field: 'input', code: 'invalid_value' });
    }
    throw error;
  }
}
