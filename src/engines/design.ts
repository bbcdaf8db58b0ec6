/**
 * Voice design as the engines see it: the attributes a prompt was read into (src/synthesis/lexicon.ts reads
 * them), and what an engine declares to turn attributes into voices of its own (its `designer`). Each engine
 * compiles attributes in its own module (src/engines/<engine>/design.ts), in its own units, so a neural engine
 * adds speaker choice or style mixing by declaring a designer, without touching the parser or the server.
 *
 * Scalar attributes are in steps: 1 is what the plain word says ("fast", "high-pitched"), "very" doubles it,
 * "slightly" halves it, and a negated word ("not fast") counts −0.5 of it. Positive means older, higher, more
 * varied, faster, louder.
 */
import type { EngineVoiceSpec } from './engine.js';

export type VoiceQuality = 'breathy' | 'whisper' | 'raspy';

export const SCALAR_ATTRIBUTES = ['age', 'pitch', 'variability', 'pace', 'loudness'] as const;
export type ScalarAttribute = (typeof SCALAR_ATTRIBUTES)[number];

export interface VoiceAttributes {
  readonly gender?: 'male' | 'female';
  /** A BCP-47 tag among the accents some engine's designer declares (e.g. "en-GB", "en-GB-scotland"). */
  readonly accent?: string;
  readonly age?: number;
  readonly pitch?: number;
  readonly variability?: number;
  readonly pace?: number;
  readonly loudness?: number;
  readonly qualities?: readonly VoiceQuality[];
}

/** Largest magnitude of a scalar after intensifiers and repeats: beyond it engines leave speech behind. */
export const MAX_STEPS = 2;

/**
 * The engine-neutral meaning of a step, shared by every designer and by prompted synthesis: pace multiplies
 * the rate by 1.3 per step (slow and fast are 1.69× apart), pitch moves 3 semitones per step, loudness 4 dB.
 */
export const RATE_PER_STEP = 1.3;
export const SEMITONES_PER_STEP = 3;
export const DECIBELS_PER_STEP = 4;

export const stepRate = (steps: number): number => RATE_PER_STEP ** steps;
export const stepSemitones = (steps: number): number => SEMITONES_PER_STEP * steps;
export const stepGain = (steps: number): number => 10 ** ((DECIBELS_PER_STEP * steps) / 20);

/** One candidate voice an engine made for a design. */
export interface DesignedVoice {
  /** BCP-47 tag of the language the voice speaks (its accent). */
  readonly language: string;
  readonly gender: 'male' | 'female';
  readonly spec: EngineVoiceSpec;
}

/** Number of candidates a design offers (protocol.md section 6). */
export const CANDIDATES_PER_DESIGN = 3;

export interface EngineDesigner {
  /** Accents the engine can give a voice, as BCP-47 tags (only those whose data the engine really has). */
  readonly accents: readonly string[];
  /** What of `attributes` the engine cannot express (empty when it can honour all of them). */
  unsupported(attributes: VoiceAttributes): readonly string[];
  /**
   * Candidate `index` (0 … CANDIDATES_PER_DESIGN − 1): every candidate keeps the hard constraints (gender,
   * accent, voice quality), and candidates differ audibly from each other (at least a semitone of F0, or
   * another engine voice or variant). Pure: the same attributes and index give the same voice.
   */
  candidate(attributes: VoiceAttributes, index: number): DesignedVoice;
  /**
   * A voice derived from `base` with `settings` (protocol.md section 4: pitch in semitones, rate and volume
   * multipliers), in the engine's units.
   */
  derive(base: EngineVoiceSpec, settings: VoiceSettings): EngineVoiceSpec;
  /**
   * The voice `base` delivered as a `<speak prompt>` asks (pitch variability, voice quality), in the engine's
   * units; absent when the engine can express neither. Pure, so the same prompt gives the same voice.
   */
  deliver?(base: EngineVoiceSpec, delivery: Delivery): EngineVoiceSpec;
}

/**
 * What a `<speak prompt>` asks of the voice itself, beyond the rate, pitch and gain its Prosody carries:
 * pitch variability in steps (already scaled by `exaggeration`) and voice qualities (whisper, breathy, raspy).
 */
export interface Delivery {
  readonly variability: number;
  readonly qualities: readonly VoiceQuality[];
}

/** `settings` of POST /api/v2/voices: changes relative to the base voice. */
export interface VoiceSettings {
  readonly pitch?: number;
  readonly rate?: number;
  readonly volume?: number;
}

/**
 * The gender of candidate `index`: the prompt's when it names one; else what its pitch implies (a deep voice is
 * male, a high one female); else female, male, female, so an open prompt offers both.
 */
export function designGender(attributes: VoiceAttributes, index: number): 'male' | 'female' {
  if (attributes.gender !== undefined) return attributes.gender;
  const pitch = attributes.pitch ?? 0;
  if (pitch !== 0) return pitch < 0 ? 'male' : 'female';
  return index % 2 === 0 ? 'female' : 'male';
}
