/**
 * The one interface every speech engine implements. The synthesis pipeline and everything above it know
 * engines only through these types, so a native or neural engine can be added beside the embedded one
 * without touching the pipeline or the protocol code.
 */
import type { Delivery } from './design.js';

/** What an engine can do; the pipeline refuses (clearly) a plan that needs more than this. */
export interface EngineCapabilities {
  /** Short stable identifier, e.g. "espeak-ng". */
  readonly name: string;
  /** Rate of the PCM the engine produces; the audio layer resamples from it. */
  readonly sampleRate: number;
  /**
   * True when the engine's voices come at rates of their own (Piper's 16 and 22.05 kHz models): a voice's
   * `sampleRate` is then the rate of its audio, and `sampleRate` above only the usual one.
   */
  readonly perVoiceSampleRate?: boolean;
  /** BCP-47-ish language tags the engine can speak (lower case). */
  readonly languages: readonly string[];
  /** Which prosody controls a segment may carry. */
  readonly prosody: { readonly rate: boolean; readonly pitch: boolean; readonly volume: boolean };
  /** Whether a segment may carry an IPA phoneme string instead of text. */
  readonly phonemeInput: boolean;
  /** Kinds of alignment events the engine reports. */
  readonly timestamps: { readonly words: boolean; readonly phonemes: boolean };
  /** True when audio arrives incrementally while a segment is synthesized. */
  readonly streaming: boolean;
}

/** Prosody relative to the voice's defaults: 1 means unchanged. */
export interface Prosody {
  /** Speaking-rate multiplier (0.5 = half as fast). */
  readonly rate: number;
  /** Pitch shift in semitones (0 = the voice's own pitch). */
  readonly pitchSemitones: number;
  /** Linear gain applied to the voice's default loudness (1 = unchanged). */
  readonly volume: number;
}

export const NEUTRAL_PROSODY: Prosody = Object.freeze({ rate: 1, pitchSemitones: 0, volume: 1 });

/**
 * The engine-specific part of a voice: which engine voice to load and its settings in the engine's own units.
 * Only the engine that owns it reads the settings; everything above the engine passes it along unopened.
 */
export interface EngineVoiceSpec {
  /** Engine voice identifier, e.g. "en-us+f3" for espeak-ng. */
  readonly id: string;
  readonly [setting: string]: string | number | boolean;
}

/** A numeric setting of a spec, or `fallback` when the spec does not set it (or sets something else). */
export function numberSetting(spec: EngineVoiceSpec, name: string, fallback: number): number {
  const value = spec[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A voice an engine ships, as the engine describes it; the voice catalogue gives it a stable uuid. */
export interface EngineVoiceDefinition {
  /** Unique within the engine and never changed: the voice's uuid is derived from the engine id and this key. */
  readonly key: string;
  /** Human name, e.g. "Ava (English US, female)". */
  readonly name: string;
  /** BCP-47 tag, e.g. "en-US". */
  readonly language: string;
  readonly gender: 'male' | 'female';
  readonly spec: EngineVoiceSpec;
}

/** One unit of work: a run of text with one voice and one prosody. */
export interface EngineSegment {
  readonly voice: EngineVoiceSpec;
  /** Plain text to speak (never markup). */
  readonly text: string;
  /** When set, speak these IPA phonemes instead of reading `text` (text is still the written form). */
  readonly ipa?: string;
  readonly prosody: Prosody;
  /**
   * When true, the same segment must give the same samples every time (SSML `seed`), whatever the engine
   * synthesized before. Engines may pay for it (espeak-ng restores its pristine state first).
   */
  readonly repeatable?: boolean;
}

/** A word the engine spoke: where it stands in the segment text and when its audio starts. */
export interface WordEvent {
  /** UTF-16 index into the segment's text. */
  readonly textStart: number;
  /** Length in UTF-16 code units. */
  readonly textLength: number;
  /** Sample offset from the start of the segment's audio. */
  readonly sample: number;
}

/** A phoneme (IPA with stress marks) and when its audio starts; an empty `ipa` marks a pause. */
export interface PhonemeEvent {
  readonly ipa: string;
  readonly sample: number;
}

/** A piece of a segment's audio and the events that the engine reported with it. */
export interface EngineChunk {
  /** Mono signed 16-bit PCM at `capabilities.sampleRate` (or the voice's rate, see `perVoiceSampleRate`). */
  readonly samples: Int16Array;
  readonly words: readonly WordEvent[];
  readonly phonemes: readonly PhonemeEvent[];
}

export interface Engine {
  readonly capabilities: EngineCapabilities;
  /** Resolves when the engine can serve requests (workers started, data loaded). */
  ready(): Promise<void>;
  /**
   * Synthesizes one segment. Chunks arrive in order; aborting `signal` stops the engine's work within one
   * chunk and ends the iteration (without throwing). Engine failures reject with `EngineFailure`.
   */
  synthesize(segment: EngineSegment, signal: AbortSignal): AsyncIterable<EngineChunk>;
  /**
   * Why the engine cannot read `text` (a script it has no rules for, say), or undefined when it can. The
   * pipeline asks before any audio is made, so such text is refused as the client's error, not failed as the
   * engine's. Engines that read anything leave it out.
   */
  unspeakable?(text: string): string | undefined;
  /**
   * The voice `voice` with a prompt's delivery applied (its designer's `deliver`, src/engines/design.ts);
   * engines that cannot change variability or voice quality leave it out, and the prompt's rest still applies.
   */
  deliver?(voice: EngineVoiceSpec, delivery: Delivery): EngineVoiceSpec;
  /** Stops all work and releases workers. */
  close(): Promise<void>;
  /** Load right now, for metrics; engines without a pool may leave it out. */
  stats?(): EngineStats;
}

/** A snapshot of an engine's load. */
export interface EngineStats {
  /** Workers running a segment. */
  readonly busy: number;
  /** Workers ready and waiting for a segment. */
  readonly idle: number;
  /** Segments waiting for a free worker. */
  readonly queued: number;
  /** Chunks the engine produced that their consumers have not taken yet (bounded by backpressure). */
  readonly held: number;
}

/** Thrown by an engine when it cannot produce audio for a segment (crash, hang, bad voice). */
export class EngineFailure extends Error {
  override readonly name = 'EngineFailure';
}
