/**
 * Prosody → flite's own knobs. Rate: `duration_stretch` scales every phone's duration (its inverse).
 * Pitch: the shim scales `int_f0_target_mean` and `int_f0_target_stddev` (the F0 contour's mean and spread)
 * by one factor, so a shift keeps the voice's intonation in semitones (rms's spamf0 contour follows it
 * through the build's one patch). Volume: flite has no
 * linear gain (its `local_gain` scales a cepstral coefficient, and only for clustergen voices), so the shim
 * scales the samples.
 */
import { numberSetting, type EngineVoiceSpec, type Prosody } from '../engine.js';
import type { FliteSettings } from './native.js';

/** flite still sounds like speech from a quarter to four times its own speed. */
export const MIN_RATE = 0.25;
export const MAX_RATE = 4;
/** An octave either way; beyond it the clustergen vocoder buzzes. */
export const MAX_SEMITONES = 12;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** `voice` is a flite spec: basePitch in semitones, baseRate and baseVolume multipliers (see voices.ts). */
export function fliteSettings(voice: EngineVoiceSpec, prosody: Prosody): FliteSettings {
  const rate = clamp(numberSetting(voice, 'baseRate', 1) * prosody.rate, MIN_RATE, MAX_RATE);
  const factor = 2 ** (clamp(numberSetting(voice, 'basePitch', 0) + prosody.pitchSemitones, -MAX_SEMITONES, MAX_SEMITONES) / 12);
  return { durationStretch: 1 / rate, f0Factor: factor, gain: Math.max(0, numberSetting(voice, 'baseVolume', 1) * prosody.volume) };
}
