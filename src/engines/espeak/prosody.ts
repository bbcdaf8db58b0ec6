/**
 * Prosody → espeak-ng settings.
 *
 * Pitch: espeak's pitch parameter (0–100, 50 = the voice's own pitch) moves F0 roughly exponentially.
 * Measured median F0 of en-us: 62 Hz at 0, 96 Hz at 50, 165 Hz at 100; en-us+f3: 134, 197, 320 Hz. That is
 * 15–17 semitones over the 100 units, so one semitone ≈ 6 units; the range reachable is about ±8 semitones.
 * A voice's `baseRange` (0–100, default 50) is espeak's pitch range; `baseVolume` multiplies the request's gain.
 * Volume is applied to the samples afterwards (espeak's own volume is not linear in amplitude).
 */
import { numberSetting, type EngineVoiceSpec, type Prosody } from '../engine.js';
import { ESPEAK_BASE_PITCH, ESPEAK_BASE_RANGE, ESPEAK_BASE_RATE } from './voices.js';

export const MIN_WORDS_PER_MINUTE = 80;
export const MAX_WORDS_PER_MINUTE = 450;
export const PITCH_UNITS_PER_SEMITONE = 6;

export interface EspeakSettings {
  readonly wordsPerMinute: number;
  /** espeak pitch parameter, 0–100. */
  readonly pitch: number;
  /** espeak pitch range, 0–100. */
  readonly range: number;
  /** Linear gain for the samples. */
  readonly gain: number;
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

export function espeakSettings(voice: EngineVoiceSpec, prosody: Prosody): EspeakSettings {
  const baseRate = numberSetting(voice, 'baseRate', ESPEAK_BASE_RATE);
  const basePitch = numberSetting(voice, 'basePitch', ESPEAK_BASE_PITCH);
  return {
    range: Math.round(clamp(numberSetting(voice, 'baseRange', ESPEAK_BASE_RANGE), 0, 100)),
    wordsPerMinute: Math.round(clamp(baseRate * prosody.rate, MIN_WORDS_PER_MINUTE, MAX_WORDS_PER_MINUTE)),
    pitch: Math.round(clamp(basePitch + PITCH_UNITS_PER_SEMITONE * prosody.pitchSemitones, 0, 100)),
    gain: Math.max(0, numberSetting(voice, 'baseVolume', 1) * prosody.volume),
  };
}
