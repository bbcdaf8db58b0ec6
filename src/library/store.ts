/**
 * Where the voice library lives: user voices and voice designs, behind one small asynchronous interface, so
 * the library can move from the data folder's SQLite file (sqlite-store.ts) to a shared database (Postgres, for
 * a cluster) without the server noticing. Records are plain JSON-shaped values; nothing of the database leaks.
 */
import type { VoiceSettings } from '../engines/design.js';
import type { EngineVoiceSpec } from '../engines/engine.js';

/** `filters` of a designed voice (protocol.md section 4), as Resemble's voice list reports them. */
export interface VoiceFilters {
  readonly gender?: string;
  readonly age?: string;
  readonly accents?: readonly string[];
  readonly tone?: readonly string[];
}

/** Which design candidate a voice was made from. */
export interface VoiceOrigin {
  readonly designUuid: string;
  readonly sampleIndex: number;
  readonly prompt: string;
}

export interface LibraryVoiceRecord {
  readonly uuid: string;
  readonly name: string;
  readonly description: string | null;
  /** BCP-47 tag. */
  readonly language: string;
  /** 'unknown' for a voice derived from one whose source names no gender (a Piper model). */
  readonly gender: 'male' | 'female' | 'unknown';
  readonly engine: string;
  /** Engine-owned settings, stored unopened: `baseSpec` with `settings` applied by the engine's designer. */
  readonly spec: EngineVoiceSpec;
  /** The voice's spec before `settings` (the base voice's, or the design candidate's). */
  readonly baseSpec: EngineVoiceSpec;
  readonly settings: VoiceSettings;
  readonly design: VoiceOrigin | null;
  readonly filters: VoiceFilters;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DesignCandidateRecord {
  readonly language: string;
  readonly gender: 'male' | 'female' | 'unknown';
  readonly spec: EngineVoiceSpec;
}

export interface DesignRecord {
  readonly uuid: string;
  readonly prompt: string;
  readonly engine: string;
  readonly candidates: readonly DesignCandidateRecord[];
  readonly matched: readonly string[];
  readonly ignored: readonly string[];
  readonly filters: VoiceFilters;
  readonly createdAt: string;
}

/** What PUT/PATCH may change. */
export interface VoiceChanges {
  readonly name?: string;
  readonly description?: string | null;
  readonly spec?: EngineVoiceSpec;
  readonly settings?: VoiceSettings;
  readonly updatedAt: string;
}

/** The WAV samples of designs' candidates, kept by a store that every node of a cluster reads. */
export interface DesignSamples {
  /** Replaces the design's samples: `wavs[k]` is candidate k's. */
  put(designUuid: string, wavs: readonly Buffer[]): Promise<void>;
  get(designUuid: string, index: number): Promise<Buffer | undefined>;
  drop(designUuid: string): Promise<void>;
}

export interface VoiceLibraryStore {
  /** The samples, when the store keeps them itself (PostgreSQL); absent, they are files in the library's samples folder. */
  readonly samples?: DesignSamples;
  /**
   * Calls `onChange` whenever another process may have changed the voices (PostgreSQL's NOTIFY), and once
   * when it starts (or resumes) listening; returns the function that stops watching. Absent: the
   * library polls.
   */
  watch?(onChange: () => void): () => Promise<void>;
  /** Every user voice, oldest first. */
  listVoices(): Promise<LibraryVoiceRecord[]>;
  insertVoice(voice: LibraryVoiceRecord): Promise<void>;
  /** The changed voice, or undefined when no voice has the uuid. */
  updateVoice(uuid: string, changes: VoiceChanges): Promise<LibraryVoiceRecord | undefined>;
  /** False when no voice had the uuid. */
  deleteVoice(uuid: string): Promise<boolean>;
  /** Stores a design (a design of the same uuid, i.e. the same prompt, is replaced). */
  putDesign(design: DesignRecord): Promise<void>;
  getDesign(uuid: string): Promise<DesignRecord | undefined>;
  /** Every design, newest first. */
  listDesigns(): Promise<DesignRecord[]>;
  /** Deletes the design; voices made from it keep their settings. */
  deleteDesign(uuid: string): Promise<void>;
  close(): Promise<void>;
}
