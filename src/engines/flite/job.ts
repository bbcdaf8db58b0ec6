/** What the flite engine asks of one of its workers (a structured-clone-safe request). */
import type { EngineVoiceSpec, Prosody } from '../engine.js';

export interface FliteJob {
  /** A flite spec: `id` names the voice (slt, rms, awb, kal16), basePitch/baseRate as in voices.ts. */
  readonly voice: EngineVoiceSpec;
  /** The segment text (never markup); the worker makes it speakable. */
  readonly text: string;
  readonly prosody: Prosody;
}
