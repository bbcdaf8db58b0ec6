/**
 * The voices espeak-ng ships with voxwire: a female and a male variant for each language below. Keys are the
 * espeak voice ids, which the catalogue turns into uuids, so they must never change.
 */
import type { EngineVoiceDefinition } from '../engine.js';

/** espeak's own pitch (0–100) and rate (words per minute) at which a voice speaks unmodified. */
export const ESPEAK_BASE_PITCH = 50;
export const ESPEAK_BASE_RATE = 175;
/** espeak's own pitch range (0–100) at which a voice speaks unmodified. */
export const ESPEAK_BASE_RANGE = 50;

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
const VARIANTS = { female: '+f3', male: '+m3' } as const;

export const ESPEAK_VOICES: readonly EngineVoiceDefinition[] = Object.freeze(
  LANGUAGES.flatMap((entry) =>
    (['female', 'male'] as const).map((gender): EngineVoiceDefinition => {
      const id = `${entry.espeak}${VARIANTS[gender]}`;
      return Object.freeze({
        key: id,
        name: `${entry[gender]} (${entry.label}, ${gender})`,
        language: entry.language,
        gender,
        spec: Object.freeze({ id, basePitch: ESPEAK_BASE_PITCH, baseRate: ESPEAK_BASE_RATE }),
      });
    }),
  ),
);
