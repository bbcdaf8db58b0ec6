/**
 * The built-in voices: the voices each built-in engine ships, in the registry's order.
 * UUIDs are name-based (RFC 4122 version 5: SHA-1 of VOICE_NAMESPACE's bytes followed by the UTF-8 voice key),
 * so a voice keeps its UUID on every machine and across restarts.
 */
import { createHash } from 'node:crypto';
import type { EngineVoiceDefinition, EngineVoiceSpec } from '../engines/engine.js';
import { BUILT_IN_ENGINES, type EnginePlugin } from '../engines/registry.js';

/** 'unknown' where a voice's source does not say (Piper's models). */
export type Gender = 'male' | 'female' | 'unknown';

export interface Voice {
  readonly uuid: string;
  /** Stable key the UUID is derived from, e.g. "espeak-ng/en-us+f3". */
  readonly key: string;
  /** Human name, e.g. "Ava (English US, female)". */
  readonly name: string;
  /** BCP-47 tag, e.g. "en-US". */
  readonly language: string;
  readonly gender: Gender;
  /** Id of the engine that speaks it (an EnginePlugin id). */
  readonly engine: string;
  /** The engine's native sample rate for this voice; the pipeline resamples from it. */
  readonly sampleRate: number;
  /** Engine-owned settings, passed to the engine unopened. */
  readonly spec: EngineVoiceSpec;
  /** ISO 8601; fixed for built-in voices. */
  readonly createdAt: string;
  /** A model's quality as its source names it (Piper: x_low, low, medium, high). */
  readonly quality?: string;
  /** The speaker of a multi-speaker model this voice is. */
  readonly speaker?: string;
  /** Present on voices of the library (made by users): what the API shows beyond a built-in voice. */
  readonly library?: LibraryDetails;
}

export interface LibraryDetails {
  /** `designed` (from a voice design) or `custom` (derived from another voice). */
  readonly voiceType: 'designed' | 'custom';
  readonly description: string | null;
  readonly filters: Readonly<Record<string, unknown>>;
  readonly updatedAt: string;
}

/** Namespace UUID of voxwire's built-in voices. */
export const VOICE_NAMESPACE = '3f6b1c2e-8d4a-5b7e-9c1f-0a2d4e6f8b10';

const BUILT_IN_DATE = '2024-01-01T00:00:00.000Z';

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The catalogue's form of an engine's voice definition. */
function buildVoice(engine: EnginePlugin, definition: EngineVoiceDefinition): Voice {
  const key = `${engine.id}/${definition.key}`;
  return Object.freeze({
    uuid: uuidV5(VOICE_NAMESPACE, key),
    key,
    name: definition.name,
    language: definition.language,
    gender: definition.gender,
    engine: engine.id,
    sampleRate: engine.sampleRate,
    spec: definition.spec,
    createdAt: BUILT_IN_DATE,
  });
}

/** The voices the built-in engines ship, in the registry's order: a language's first voice is its default. */
export const BUILT_IN_VOICES: readonly Voice[] = Object.freeze(
  BUILT_IN_ENGINES.flatMap((engine) => engine.voices.map((definition) => buildVoice(engine, definition))),
);

/** Tags that name the same language as a catalogue tag's primary subtag. */
const PRIMARY_ALIASES: Readonly<Record<string, string>> = { cmn: 'zh', zho: 'zh', chi: 'zh' };

/** The default voice: the first built-in voice (the clearest en-US voice installed). */
export const DEFAULT_VOICE: Voice = BUILT_IN_VOICES[0]!;

/**
 * Voice ids of Resemble's service that popular clients use as their default, mapped onto a built-in voice so
 * those clients work without configuration: LiveKit's Resemble plugins (Python and agents-js) default to
 * "55592656".
 */
const CLIENT_DEFAULT_VOICES: ReadonlyMap<string, Voice> = new Map([['55592656', DEFAULT_VOICE]]);

function primaryOf(tag: string): string {
  const primary = tag.toLowerCase().split(/[-_]/u)[0] ?? '';
  return PRIMARY_ALIASES[primary] ?? primary;
}

/**
 * The voices one server serves: the built-in ones, then those of each source registered at run time (the
 * voice library's, the neural models found on disk), in the order the sources were first set. A source's
 * voices are replaced as a whole when it changes, so a request that looks a voice up sees either the old set or
 * the new one, never half of each.
 */
export class VoiceCatalogue {
  private readonly sources = new Map<string, readonly Voice[]>();
  private all: readonly Voice[];
  private byUuid: ReadonlyMap<string, Voice>;

  constructor(private readonly builtIn: readonly Voice[] = BUILT_IN_VOICES) {
    this.all = builtIn;
    this.byUuid = new Map(builtIn.map((voice) => [voice.uuid, voice]));
  }

  /** Replaces the voices of `source` (a built-in voice's uuid cannot be taken over: the built-in one wins). */
  setSource(source: string, voices: readonly Voice[]): void {
    this.sources.set(source, Object.freeze([...voices]));
    const all = [...this.builtIn];
    const byUuid = new Map(this.builtIn.map((voice) => [voice.uuid, voice]));
    for (const list of this.sources.values()) {
      for (const voice of list) {
        if (byUuid.has(voice.uuid)) continue;
        byUuid.set(voice.uuid, voice);
        all.push(voice);
      }
    }
    this.all = Object.freeze(all);
    this.byUuid = byUuid;
  }

  list(): readonly Voice[] {
    return this.all;
  }

  find(uuid: string): Voice | undefined {
    const key = uuid.toLowerCase();
    return this.byUuid.get(key) ?? CLIENT_DEFAULT_VOICES.get(key);
  }

  /**
   * The voice for a language tag: an exact tag match ('en-GB') first, then the default voice of its primary
   * language ('fr', 'fr-CA' → fr-FR). `gender` is a preference, honoured when the language has that voice;
   * `engine` keeps the choice on one engine (a request stays on its voice's engine).
   */
  forLanguage(language: string, gender?: Gender, engine?: string): Voice | undefined {
    const tag = language.trim().replace(/_/gu, '-').toLowerCase();
    const pool = engine === undefined ? this.all : this.all.filter((voice) => voice.engine === engine);
    const exact = pool.filter((voice) => voice.language.toLowerCase() === tag);
    const primary = primaryOf(tag);
    const candidates = exact.length > 0 ? exact : pool.filter((voice) => primaryOf(voice.language) === primary);
    return candidates.find((voice) => voice.gender === gender) ?? candidates[0];
  }

  /** A voice by its name, or by the name before its parenthesis ("Ava" for "Ava (English US, female)"). */
  named(name: string): Voice | undefined {
    const wanted = name.trim().toLowerCase();
    return this.all.find((voice) => {
      const full = voice.name.toLowerCase();
      return full === wanted || full.split(' (')[0] === wanted;
    });
  }

  /** Whether some voice speaks `language` (for SSML language switches). */
  speaks(language: string): boolean {
    return this.forLanguage(language) !== undefined;
  }
}

/** The built-in voices alone, for code that runs without a server (tests, `voxwire voices` before start-up). */
const BUILT_IN_CATALOGUE = new VoiceCatalogue();

export function listVoices(): readonly Voice[] {
  return BUILT_IN_CATALOGUE.list();
}

/** A built-in voice by uuid (or a client default id such as LiveKit's "55592656"). */
export function findVoice(uuid: string): Voice | undefined {
  return BUILT_IN_CATALOGUE.find(uuid);
}

/** A built-in voice for a language tag; see VoiceCatalogue.forLanguage. */
export function voiceForLanguage(language: string, gender?: Gender, engine?: string): Voice | undefined {
  return BUILT_IN_CATALOGUE.forLanguage(language, gender, engine);
}
