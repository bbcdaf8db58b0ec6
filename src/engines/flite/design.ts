/**
 * Voice design → flite: the gender picks the CMU voice (slt for a woman; rms, kal16 and rms again for a man),
 * pitch and age move the F0 mean in semitones (`basePitch`), pace and age stretch the phone durations
 * (`baseRate`), loudness is a gain (`baseVolume`); steps as in src/engines/design.ts. Candidates add 0, +1.5
 * and −1.5 semitones, so two of the same CMU voice are at least 1.5 semitones apart (the men's also change voice).
 *
 * What flite cannot express is declared, so a design that needs it goes to another engine: the shim scales
 * the F0 mean and spread by one factor (no separate variability), its voices have no breath or roughness
 * control, and its English is American (awb is Scottish in voice, not in its phonemes, which come from the same
 * US lexicon). For the same reasons it declares no `deliver`: a `<speak prompt>`'s variability and voice quality
 * leave a flite voice as it is (its rate, pitch and gain still apply).
 */
import { designGender, stepGain, stepRate, stepSemitones, type DesignedVoice, type EngineDesigner, type VoiceAttributes, type VoiceSettings } from '../design.js';
import { numberSetting, type EngineVoiceSpec } from '../engine.js';
import { MAX_RATE, MAX_SEMITONES, MIN_RATE } from './prosody.js';

const VOICES = { female: ['slt', 'slt', 'slt'], male: ['rms', 'kal16', 'rms'] } as const;
const CANDIDATE_SEMITONES = [0, 1.5, -1.5] as const;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

function candidate(attributes: VoiceAttributes, index: number): DesignedVoice {
  const gender = designGender(attributes, index);
  const age = attributes.age ?? 0;
  const ageSemitones = age > 0 ? -age : -2 * age;
  const ageRate = age > 0 ? 0.9 ** age : 1.05 ** -age;
  const semitones = stepSemitones(attributes.pitch ?? 0) + ageSemitones + CANDIDATE_SEMITONES[index % CANDIDATE_SEMITONES.length]!;
  return {
    language: 'en-US',
    gender,
    spec: Object.freeze({
      id: VOICES[gender][index % VOICES[gender].length]!,
      basePitch: clamp(semitones, -MAX_SEMITONES, MAX_SEMITONES),
      baseRate: clamp(stepRate(attributes.pace ?? 0) * ageRate, MIN_RATE, MAX_RATE),
      baseVolume: stepGain(attributes.loudness ?? 0),
    }),
  };
}

function unsupported(attributes: VoiceAttributes): readonly string[] {
  const missing: string[] = [];
  if (attributes.accent !== undefined && attributes.accent !== 'en-US') missing.push(`accent ${attributes.accent}`);
  if ((attributes.variability ?? 0) !== 0) missing.push('pitch variability');
  for (const quality of attributes.qualities ?? []) missing.push(quality);
  return missing;
}

function derive(base: EngineVoiceSpec, settings: VoiceSettings): EngineVoiceSpec {
  return Object.freeze({
    ...base,
    basePitch: clamp(numberSetting(base, 'basePitch', 0) + (settings.pitch ?? 0), -MAX_SEMITONES, MAX_SEMITONES),
    baseRate: clamp(numberSetting(base, 'baseRate', 1) * (settings.rate ?? 1), MIN_RATE, MAX_RATE),
    baseVolume: numberSetting(base, 'baseVolume', 1) * (settings.volume ?? 1),
  });
}

export const fliteDesigner: EngineDesigner = { accents: ['en-US'], unsupported, candidate, derive };
