/**
 * The synthesis plan: what a request asks to be spoken, independent of how it was written (plain text or
 * SSML) and of which engine speaks it. Plain text becomes a one-item plan; SSML becomes many items.
 */
import type { Delivery } from '../engines/design.js';
import type { Prosody } from '../engines/engine.js';

/** Speech: `spoken` goes to the engine; `written` is what timestamps report (graph_chars). */
export interface SpeechItem {
  readonly kind: 'speech';
  /** The text as written in the request (tags removed, entities decoded). Joined over items = graph text. */
  readonly written: string;
  /** What the engine reads. Equal to `written` unless a <sub>, <say-as> or similar changed it. */
  readonly spoken: string;
  /** IPA to speak instead of `spoken` (from <phoneme alphabet="ipa">). */
  readonly ipa?: string;
  /** Language to speak in (from <lang>/<voice xml:lang>); absent = the request's voice. */
  readonly language?: string;
  readonly prosody: Prosody;
}

/** Silence of a given length (from <break>); `written` is normally empty. */
export interface PauseItem {
  readonly kind: 'pause';
  readonly seconds: number;
  readonly written: string;
}

/** A named point in the audio (from <mark>); carries no audio. */
export interface MarkItem {
  readonly kind: 'mark';
  readonly name: string;
}

export type PlanItem = SpeechItem | PauseItem | MarkItem;

export interface SynthesisPlan {
  readonly items: readonly PlanItem[];
  /** Seed for repeatable output (SSML `seed`), when given. */
  readonly seed?: number;
  /** What a `<speak prompt>` asks of the voice itself (variability, voice quality); absent without a prompt. */
  readonly delivery?: Delivery;
}
