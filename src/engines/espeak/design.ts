/**
 * Voice design → espeak-ng: the accent picks the language file, and everything else is a voice variant file of
 * our own (espeak's `!v` format: gender, formant scaling, breath, flutter, roughness, voicing) plus the pitch,
 * pitch range and rate espeak takes per synthesis. The variant's text travels in the spec; the worker writes it
 * into its instance's file system under a name derived from the text (worker side: jobs.ts), so a designed voice
 * needs no file of its own on disk and two workers always hold the same definition.
 *
 * Mapping (steps as in src/engines/design.ts; 6 pitch units ≈ 1 semitone, prosody.ts):
 * - gender: the formant set and F0 base of espeak's female3 / male3 variants (candidates 1 and 2 take those of
 *   female2/female1 and male1/male2);
 * - pitch: ±3 semitones (18 units) per step around 50; age: −1 semitone and 10 % slower per step older, +2
 *   semitones and 5 % faster per step younger, and flutter 8 per step older;
 * - variability: pitch range 50 ± 22 per step (0 = a flat line);
 * - pace: 175 words per minute × 1.3 per step; loudness: ×10^(4 dB/20) per step as gain;
 * - breathy: breath noise on the lower formants; whisper: espeak's whisper settings (voicing 17, breath 75 …);
 *   raspy: roughness 8 and flutter 24.
 * Candidates add 0, +1.5 and −1.5 semitones (9 units) to the pitch, so any two are at least 1.5 semitones apart,
 * and each has its own formant set.
 */
import { createHash } from 'node:crypto';
import {
  designGender,
  stepGain,
  stepRate,
  stepSemitones,
  type DesignedVoice,
  type Delivery,
  type EngineDesigner,
  type VoiceAttributes,
  type VoiceQuality,
  type VoiceSettings,
} from '../design.js';
import { numberSetting, type EngineVoiceSpec } from '../engine.js';
import { MAX_WORDS_PER_MINUTE, MIN_WORDS_PER_MINUTE, PITCH_UNITS_PER_SEMITONE } from './prosody.js';
import { ESPEAK_BASE_PITCH, ESPEAK_BASE_RANGE, ESPEAK_BASE_RATE } from './voices.js';

const RANGE_PER_STEP = 22;

/**
 * Accents: BCP-47 tag → espeak-ng language file (lang/…/<file> in the wasm build's data; the accent test checks
 * every one is there). English varieties first, then the languages of the built-in catalogue.
 */
export const ESPEAK_ACCENTS: Readonly<Record<string, string>> = {
  'en-US': 'en-us',
  'en-GB': 'en',
  'en-GB-x-rp': 'en-gb-x-rp',
  'en-GB-scotland': 'en-gb-scotland',
  'en-GB-x-gbclan': 'en-gb-x-gbclan',
  'en-GB-x-gbcwmd': 'en-gb-x-gbcwmd',
  'en-US-nyc': 'en-us-nyc',
  'en-029': 'en-029',
  'es-ES': 'es',
  'fr-FR': 'fr',
  'de-DE': 'de',
  'it-IT': 'it',
  'pt-BR': 'pt-br',
  'hi-IN': 'hi',
  'zh-CN': 'cmn',
  'ja-JP': 'ja',
  ar: 'ar',
};

/** Formant lines (espeak: formant N frequency% strength% width%) of female3, female2, female1; male3, male1, male2. */
const FORMANTS = {
  female: [
    ['0 105 80 150', '1 120 75 150 -50', '2 135 70 150 -250', '3 125 80 150', '4 125 80 150', '5 125 80 150', '6 120 70 150', '7 110 70 150', '8 110 70 150'],
    ['0 105 80 150', '1 110 80 160', '2 110 70 150', '3 110 70 150', '4 115 80 150', '5 115 80 150', '6 110 70 150', '7 110 70 150', '8 110 70 150'],
    ['0 115 80 150', '1 120 80 180', '2 100 70 150 150', '3 115 70 150', '4 110 80 150', '5 110 90 150', '6 105 80 150', '7 110 70 150', '8 110 70 150'],
  ],
  male: [
    ['0 100 100 100', '1 96 97 100', '2 96 97 100', '3 96 103 100', '4 95 103 100', '5 95 103 100', '6 100 100 100', '7 100 100 100', '8 100 100 100'],
    ['0 98 100 100', '1 97 100 100', '2 97 95 100', '3 97 95 100', '4 97 85 100', '5 105 80 100', '6 95 80 100', '7 100 100 100', '8 100 100 100'],
    ['0 100 80 120', '1 90 85 120', '2 110 85 120', '3 105 90 120', '4 100 90 120', '5 100 90 120', '6 100 90 120', '7 100 90 120', '8 100 90 120'],
  ],
} as const;

/** F0 base and top (Hz) of the variant: female3's and male3's. */
const PITCH_LINE = { female: 'pitch 140 240', male: 'pitch 80 122' } as const;
const CANDIDATE_SEMITONES = [0, 1.5, -1.5] as const;
const RASPY_FLUTTER = 24;
const RASPY_ROUGHNESS = 8;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** Variant lines of the breathing qualities: espeak's whisper settings, or breath noise on the lower formants. */
function breathLines(qualities: ReadonlySet<VoiceQuality>): string[] {
  if (qualities.has('whisper')) return ['voicing 17', 'breath 75 75 50 40 15 10', 'breathw 150 150 200 200 400 400'];
  if (qualities.has('breathy')) return ['breath 30 30 25 20 10 8', 'breathw 150 150 200 200 400 400'];
  return [];
}

function variantText(gender: 'male' | 'female', index: number, attributes: VoiceAttributes): string {
  const qualities = new Set(attributes.qualities ?? []);
  const older = Math.max(0, attributes.age ?? 0);
  const lines = ['language variant', 'name voxwire-design', `gender ${gender}`, PITCH_LINE[gender]];
  for (const formant of FORMANTS[gender][index % FORMANTS[gender].length]!) lines.push(`formant ${formant}`);
  let flutter = Math.round(8 * older);
  let roughness = gender === 'female' ? 4 : 0;
  if (qualities.has('raspy')) {
    flutter = Math.max(flutter, RASPY_FLUTTER);
    roughness = RASPY_ROUGHNESS;
  }
  lines.push(...breathLines(qualities));
  if (flutter > 0) lines.push(`flutter ${flutter}`);
  lines.push(`roughness ${roughness}`);
  return `${lines.join('\n')}\n`;
}

/** The variant's file name: its text's digest, so a name always stands for one definition. */
export function variantName(text: string): string {
  return `vw${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;
}

function candidate(attributes: VoiceAttributes, index: number): DesignedVoice {
  const gender = designGender(attributes, index);
  const language = attributes.accent ?? 'en-US';
  const file = ESPEAK_ACCENTS[language] ?? 'en-us';
  const age = attributes.age ?? 0;
  const ageSemitones = age > 0 ? -age : -2 * age;
  const ageRate = age > 0 ? 0.9 ** age : 1.05 ** -age;
  const semitones = stepSemitones(attributes.pitch ?? 0) + ageSemitones + CANDIDATE_SEMITONES[index % CANDIDATE_SEMITONES.length]!;
  const variant = variantText(gender, index, attributes);
  return {
    language,
    gender,
    spec: Object.freeze({
      id: `${file}+${variantName(variant)}`,
      variant,
      basePitch: Math.round(clamp(ESPEAK_BASE_PITCH + PITCH_UNITS_PER_SEMITONE * semitones, 0, 100)),
      baseRange: Math.round(clamp(ESPEAK_BASE_RANGE + RANGE_PER_STEP * (attributes.variability ?? 0), 0, 100)),
      baseRate: Math.round(clamp(ESPEAK_BASE_RATE * stepRate(attributes.pace ?? 0) * ageRate, MIN_WORDS_PER_MINUTE, MAX_WORDS_PER_MINUTE)),
      baseVolume: stepGain(attributes.loudness ?? 0),
    }),
  };
}

function derive(base: EngineVoiceSpec, settings: VoiceSettings): EngineVoiceSpec {
  return Object.freeze({
    ...base,
    basePitch: Math.round(clamp(numberSetting(base, 'basePitch', ESPEAK_BASE_PITCH) + PITCH_UNITS_PER_SEMITONE * (settings.pitch ?? 0), 0, 100)),
    baseRate: Math.round(clamp(numberSetting(base, 'baseRate', ESPEAK_BASE_RATE) * (settings.rate ?? 1), MIN_WORDS_PER_MINUTE, MAX_WORDS_PER_MINUTE)),
    baseVolume: numberSetting(base, 'baseVolume', 1) * (settings.volume ?? 1),
  });
}

/**
 * A prompt's delivery on an espeak-ng voice: variability moves the pitch range as in design; a voice quality
 * rewrites the voice's variant (a built-in `lang+f3`/`lang+m3` voice gets the female3/male3 variant of design)
 * with the quality's lines in place of the same keywords' own.
 */
export function deliverEspeak(base: EngineVoiceSpec, delivery: Delivery): EngineVoiceSpec {
  const baseRange = Math.round(clamp(numberSetting(base, 'baseRange', ESPEAK_BASE_RANGE) + RANGE_PER_STEP * delivery.variability, 0, 100));
  if (delivery.qualities.length === 0) return Object.freeze({ ...base, baseRange });
  const qualities = new Set(delivery.qualities);
  const lines = [...breathLines(qualities), ...(qualities.has('raspy') ? [`flutter ${RASPY_FLUTTER}`, `roughness ${RASPY_ROUGHNESS}`] : [])];
  const keywords = new Set(lines.map((line) => line.split(' ')[0]));
  const [file = 'en-us', suffix = ''] = base.id.split('+');
  const own = typeof base['variant'] === 'string' ? base['variant'] : variantText(suffix.startsWith('m') ? 'male' : 'female', 0, {});
  const kept = own.split('\n').filter((line) => line !== '' && !keywords.has(line.split(' ')[0]));
  const variant = `${[...kept, ...lines].join('\n')}\n`;
  return Object.freeze({ ...base, id: `${file}+${variantName(variant)}`, variant, baseRange });
}

export const espeakDesigner: EngineDesigner = {
  accents: Object.keys(ESPEAK_ACCENTS),
  unsupported: (attributes) => (attributes.accent === undefined || attributes.accent in ESPEAK_ACCENTS ? [] : [`accent ${attributes.accent}`]),
  candidate,
  derive,
  deliver: deliverEspeak,
};
