/**
 * The built-in voices: espeak-ng voices with male and female variants for the languages voxwire ships.
 * UUIDs are name-based (RFC 4122 version 5: SHA-1 of VOICE_NAMESPACE's bytes followed by the UTF-8 voice key),
 * so a voice keeps its UUID on every machine and across restarts.
 */
import { createHash } from 'node:crypto';
import type { EngineVoiceSpec } from '../engines/engine.js';

export type Gender = 'male' | 'female';

export interface Voice {
  readonly uuid: string;
  /** Stable key the UUID is derived from, e.g. "espeak-ng/en-us+f3". */
  readonly key: string;
  /** Human name, e.g. "Ava (English US, female)". */
  readonly name: string;
  /** BCP-47 tag, e.g. "en-US". */
  readonly language: string;
  readonly gender: Gender;
  readonly engine: 'espeak-ng';
  readonly spec: EngineVoiceSpec;
  /** ISO 8601; fixed for built-in voices. */
  readonly createdAt: string;
}

/** Namespace UUID of voxwire's built-in voices. */
export const VOICE_NAMESPACE = '3f6b1c2e-8d4a-5b7e-9c1f-0a2d4e6f8b10';

const BUILT_IN_DATE = '2024-01-01T00:00:00.000Z';
const BASE_PITCH = 50;
const BASE_RATE = 175;

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

interface LanguageEntry {
  readonly language: string;
  readonly label: string;
  /** espeak-ng voice file name (set_voice matches file names: 'en' is British English, 'fr-fr' does not exist). */
  readonly espeak: string;
  readonly female: string;
  readonly male: string;
}

/** Order matters: the first entry of a primary language is its default (en-US before en-GB). */
const LANGUAGES: readonly LanguageEntry[] = [
  { language: 'en-US', label: 'English US', espeak: 'en-us', female: 'Ava', male: 'Ethan' },
  { language: 'en-GB', label: 'English UK', espeak: 'en', female: 'Olivia', male: 'Oliver' },
  { language: 'es-ES', label: 'Spanish', espeak: 'es', female: 'Lucía', male: 'Mateo' },
  { language: 'fr-FR', label: 'French', espeak: 'fr', female: 'Camille', male: 'Louis' },
  { language: 'de-DE', label: 'German', espeak: 'de', female: 'Hanna', male: 'Lukas' },
  { language: 'it-IT', label: 'Italian', espeak: 'it', female: 'Giulia', male: 'Marco' },
  { language: 'pt-BR', label: 'Portuguese Brazil', espeak: 'pt-br', female: 'Beatriz', male: 'Gabriel' },
  { language: 'hi-IN', label: 'Hindi', espeak: 'hi', female: 'Ananya', male: 'Arjun' },
  { language: 'zh-CN', label: 'Mandarin', espeak: 'cmn', female: 'Mei', male: 'Wei' },
  { language: 'ja-JP', label: 'Japanese', espeak: 'ja', female: 'Yui', male: 'Haruto' },
  { language: 'ar', label: 'Arabic', espeak: 'ar', female: 'Layla', male: 'Omar' },
];

/** espeak variants: f3 / m3 are clearly apart in F0 for every language above. */
const VARIANTS: Readonly<Record<Gender, string>> = { female: '+f3', male: '+m3' };

function buildVoice(entry: LanguageEntry, gender: Gender): Voice {
  const id = `${entry.espeak}${VARIANTS[gender]}`;
  const key = `espeak-ng/${id}`;
  return Object.freeze({
    uuid: uuidV5(VOICE_NAMESPACE, key),
    key,
    name: `${entry[gender]} (${entry.label}, ${gender})`,
    language: entry.language,
    gender,
    engine: 'espeak-ng',
    spec: Object.freeze({ id, basePitch: BASE_PITCH, baseRate: BASE_RATE }),
    createdAt: BUILT_IN_DATE,
  });
}

const VOICES: readonly Voice[] = Object.freeze(
  LANGUAGES.flatMap((entry) => [buildVoice(entry, 'female'), buildVoice(entry, 'male')]),
);
const BY_UUID = new Map(VOICES.map((voice) => [voice.uuid, voice]));

/** Tags that name the same language as a catalogue tag's primary subtag. */
const PRIMARY_ALIASES: Readonly<Record<string, string>> = { cmn: 'zh', zho: 'zh', chi: 'zh' };

export const DEFAULT_VOICE: Voice = VOICES[0]!;

export function listVoices(): readonly Voice[] {
  return VOICES;
}

/**
 * Voice ids of Resemble's service that popular clients use as their default, mapped onto a built-in voice so
 * those clients work without configuration: LiveKit's Resemble plugins (Python and agents-js) default to
 * "55592656".
 */
const CLIENT_DEFAULT_VOICES: ReadonlyMap<string, Voice> = new Map([['55592656', DEFAULT_VOICE]]);

export function findVoice(uuid: string): Voice | undefined {
  const key = uuid.toLowerCase();
  return BY_UUID.get(key) ?? CLIENT_DEFAULT_VOICES.get(key);
}

function primaryOf(tag: string): string {
  const primary = tag.toLowerCase().split(/[-_]/u)[0] ?? '';
  return PRIMARY_ALIASES[primary] ?? primary;
}

/**
 * The voice for a language tag: an exact tag match ('en-GB') first, then the default voice of its primary
 * language ('fr', 'fr-CA' → fr-FR). `gender` is a preference, honoured when the language has that voice.
 */
export function voiceForLanguage(language: string, gender?: Gender): Voice | undefined {
  const tag = language.trim().replace(/_/gu, '-').toLowerCase();
  const exact = VOICES.filter((voice) => voice.language.toLowerCase() === tag);
  const primary = primaryOf(tag);
  const candidates = exact.length > 0 ? exact : VOICES.filter((voice) => primaryOf(voice.language) === primary);
  return candidates.find((voice) => voice.gender === gender) ?? candidates[0];
}

/** Lower-case language tags the catalogue speaks, with their primary subtags ('en-us', 'en', …). */
export function catalogueLanguages(): readonly string[] {
  const tags = VOICES.flatMap((voice) => [voice.language.toLowerCase(), primaryOf(voice.language)]);
  return [...new Set(tags)];
}

/** The catalogue as the protocol layer asks of it. */
export const VOICE_DIRECTORY = Object.freeze({
  find: findVoice,
  speaks: (language: string): boolean => voiceForLanguage(language) !== undefined,
});
