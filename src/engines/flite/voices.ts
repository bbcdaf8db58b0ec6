/**
 * The CMU voices built into the flite module, as the voice registry will need them. `shimIndex` is the
 * voice's position in the shim's table (scripts/flite/shim.c), which only the worker uses.
 */
import type { EngineVoiceSpec } from '../engine.js';

export interface FliteVoice {
  /** flite's own voice name; also the spec id the worker resolves. */
  readonly id: 'slt' | 'rms' | 'awb' | 'kal16';
  readonly name: string;
  readonly language: 'en-US' | 'en-GB';
  readonly gender: 'female' | 'male';
  /** Rate of the PCM this voice produces (the shim checks it on every buffer). */
  readonly sampleRate: number;
  readonly shimIndex: number;
  /**
   * The engine-owned spec: flite's base is the voice's own F0 and timing, so `basePitch` is a shift in
   * semitones and `baseRate` a rate multiplier (0 and 1 leave the voice as CMU recorded it).
   */
  readonly spec: EngineVoiceSpec;
}

const neutralSpec = (id: string): EngineVoiceSpec => Object.freeze({ id, basePitch: 0, baseRate: 1 });

/**
 * Clearest first, by the pocketsphinx round trip (test/engines/intelligibility.test.ts): rms is the one a
 * registry should make the default English voice. kal16 is a diphone voice, usable but never the default.
 */
export const FLITE_VOICES: readonly FliteVoice[] = Object.freeze([
  { id: 'rms', name: 'rms (CMU, English US, male)', language: 'en-US', gender: 'male', sampleRate: 16000, shimIndex: 1, spec: neutralSpec('rms') },
  { id: 'slt', name: 'slt (CMU, English US, female)', language: 'en-US', gender: 'female', sampleRate: 16000, shimIndex: 0, spec: neutralSpec('slt') },
  { id: 'awb', name: 'awb (CMU, Scottish English, male)', language: 'en-GB', gender: 'male', sampleRate: 16000, shimIndex: 2, spec: neutralSpec('awb') },
  { id: 'kal16', name: 'kal (CMU diphone, English US, male)', language: 'en-US', gender: 'male', sampleRate: 16000, shimIndex: 3, spec: neutralSpec('kal16') },
] satisfies FliteVoice[]);

export function fliteVoice(id: string): FliteVoice | undefined {
  return FLITE_VOICES.find((voice) => voice.id === id);
}
