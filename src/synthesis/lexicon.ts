/**
 * The one lexicon of voice descriptions: voice design (`user_prompt`) and prompted synthesis
 * (`<speak prompt>`) both read text through it. Deterministic and closed: a prompt is lower-cased, cut into
 * words (letters and apostrophes; "high-pitched" is two words), and read left to right, longest phrase first.
 *
 * - A vocabulary phrase sets an attribute (gender, age, accent, pitch, variability, pace, loudness, voice
 *   quality) or, for a style word (calm, excited, sad, authoritative, …), several scalars at once.
 * - Intensifiers scale the next phrase: very/really/extremely/super ×2, quite/rather ×1.5, slightly/somewhat/
 *   "a bit"/"a little" ×0.5. Negation (not, no, never) turns the next scalar into −0.5 of itself ("not fast" is
 *   a little slow), the next gender into the other one, and the next voice quality or accent into nothing.
 * - Scalars add up and are clamped to ±2 steps; the last gender and accent named win.
 * - Filler words (a, the, voice, with, speaking, …) are skipped; every other word is reported among the
 *   ignored phrases (consecutive ones together), so a client sees what was not understood.
 */
import { MAX_STEPS, SCALAR_ATTRIBUTES, type ScalarAttribute, type VoiceAttributes, type VoiceQuality } from '../engines/design.js';

type Scalars = Partial<Record<ScalarAttribute, number>>;

type Effect =
  | { readonly kind: 'gender'; readonly gender: 'male' | 'female'; readonly scalars?: Scalars }
  | { readonly kind: 'accent'; readonly accent: string }
  | { readonly kind: 'quality'; readonly quality: VoiceQuality }
  | { readonly kind: 'scalars'; readonly scalars: Scalars; readonly style?: string };

const male: Effect = { kind: 'gender', gender: 'male' };
const female: Effect = { kind: 'gender', gender: 'female' };
const accent = (tag: string): Effect => ({ kind: 'accent', accent: tag });
const quality = (name: VoiceQuality): Effect => ({ kind: 'quality', quality: name });
const scalar = (name: ScalarAttribute, steps: number): Effect => ({ kind: 'scalars', scalars: { [name]: steps } });
const style = (name: string, scalars: Scalars): Effect => ({ kind: 'scalars', scalars, style: name });

/** Style words: named deliveries, each a mix of scalars (steps). */
const STYLES: Readonly<Record<string, Scalars>> = {
  calm: { pace: -0.5, pitch: -0.3, loudness: -0.5, variability: -0.5 },
  relaxed: { pace: -0.5, loudness: -0.5, variability: -0.3 },
  soothing: { pace: -0.6, loudness: -0.6, pitch: -0.3 },
  gentle: { pace: -0.3, loudness: -0.6 },
  warm: { pitch: -0.3, pace: -0.2, variability: 0.3 },
  excited: { pace: 0.7, pitch: 0.7, variability: 1, loudness: 0.5 },
  energetic: { pace: 0.7, pitch: 0.3, variability: 0.7, loudness: 0.5 },
  enthusiastic: { pace: 0.5, pitch: 0.7, variability: 1, loudness: 0.5 },
  happy: { pace: 0.3, pitch: 0.7, variability: 0.5 },
  cheerful: { pace: 0.3, pitch: 0.7, variability: 0.5 },
  friendly: { pitch: 0.3, variability: 0.5 },
  sad: { pace: -0.7, pitch: -0.7, variability: -0.7, loudness: -0.5 },
  bored: { pace: -0.5, variability: -1, loudness: -0.3 },
  angry: { pace: 0.5, pitch: 0.3, loudness: 1, variability: 0.5 },
  serious: { pace: -0.2, pitch: -0.3, variability: -0.3 },
  authoritative: { pace: -0.3, pitch: -0.5, loudness: 0.5, variability: -0.3 },
  commanding: { pace: -0.3, pitch: -0.5, loudness: 0.7, variability: -0.3 },
  confident: { pitch: -0.3, loudness: 0.5 },
  dramatic: { pace: -0.3, variability: 1.5, loudness: 0.3 },
  nervous: { pace: 0.5, pitch: 0.5, variability: 0.3 },
};

/** Forms that name the same style ("calmly", "excitedly", "cheerfully"). */
const STYLE_FORMS: Readonly<Record<string, string>> = {
  calmly: 'calm', soothingly: 'soothing', gently: 'gentle', warmly: 'warm', excitedly: 'excited', energetically: 'energetic',
  enthusiastically: 'enthusiastic', happily: 'happy', cheerfully: 'cheerful', sadly: 'sad', angrily: 'angry', seriously: 'serious',
  confidently: 'confident', dramatically: 'dramatic', nervously: 'nervous', anxious: 'nervous',
};

/** Phrases → effects. Keys are words joined by one space. */
const VOCABULARY: ReadonlyMap<string, Effect> = new Map<string, Effect>([
  ...['man', 'male', 'masculine', 'guy', 'gentleman', 'he'].map((word): [string, Effect] => [word, male]),
  ...['woman', 'female', 'feminine', 'lady', 'she'].map((word): [string, Effect] => [word, female]),
  ['boy', { kind: 'gender', gender: 'male', scalars: { age: -1.5 } }],
  ['girl', { kind: 'gender', gender: 'female', scalars: { age: -1.5 } }],
  ...['child', 'kid', 'childlike'].map((word): [string, Effect] => [word, scalar('age', -2)]),
  ...['young', 'youthful', 'teen', 'teenage', 'teenager'].map((word): [string, Effect] => [word, scalar('age', -1)]),
  ...['middle aged', 'mature'].map((word): [string, Effect] => [word, scalar('age', 0.5)]),
  ...['old', 'elderly', 'aged', 'older', 'senior'].map((word): [string, Effect] => [word, scalar('age', 1)]),
  ['ancient', scalar('age', 2)],
  ...['american', 'usa'].map((word): [string, Effect] => [word, accent('en-US')]),
  ...['british', 'english', 'uk'].map((word): [string, Effect] => [word, accent('en-GB')]),
  ...['received pronunciation', 'rp', 'posh'].map((word): [string, Effect] => [word, accent('en-GB-x-rp')]),
  ...['scottish', 'scots'].map((word): [string, Effect] => [word, accent('en-GB-scotland')]),
  ...['lancashire', 'northern english'].map((word): [string, Effect] => [word, accent('en-GB-x-gbclan')]),
  ...['west midlands', 'brummie'].map((word): [string, Effect] => [word, accent('en-GB-x-gbcwmd')]),
  ...['new york', 'new yorker'].map((word): [string, Effect] => [word, accent('en-US-nyc')]),
  ...['caribbean', 'jamaican'].map((word): [string, Effect] => [word, accent('en-029')]),
  ['spanish', accent('es-ES')],
  ['french', accent('fr-FR')],
  ['german', accent('de-DE')],
  ['italian', accent('it-IT')],
  ...['portuguese', 'brazilian'].map((word): [string, Effect] => [word, accent('pt-BR')]),
  ...['hindi', 'indian'].map((word): [string, Effect] => [word, accent('hi-IN')]),
  ...['mandarin', 'chinese'].map((word): [string, Effect] => [word, accent('zh-CN')]),
  ['japanese', accent('ja-JP')],
  ['arabic', accent('ar')],
  ...['deep', 'low', 'low pitched', 'bass', 'baritone', 'lower'].map((word): [string, Effect] => [word, scalar('pitch', -1)]),
  ...['high', 'high pitched', 'higher', 'squeaky', 'shrill'].map((word): [string, Effect] => [word, scalar('pitch', 1)]),
  ...['monotone', 'monotonous', 'flat', 'robotic', 'expressionless'].map((word): [string, Effect] => [word, scalar('variability', -1)]),
  ...['expressive', 'lively', 'animated', 'dynamic', 'melodic', 'varied', 'sing song'].map((word): [string, Effect] => [word, scalar('variability', 1)]),
  ...['slow', 'slowly', 'unhurried', 'leisurely', 'drawling'].map((word): [string, Effect] => [word, scalar('pace', -1)]),
  ...['fast', 'quick', 'quickly', 'rapid', 'rapidly', 'hurried', 'brisk'].map((word): [string, Effect] => [word, scalar('pace', 1)]),
  ...['loud', 'loudly', 'booming', 'powerful'].map((word): [string, Effect] => [word, scalar('loudness', 1)]),
  ...['quiet', 'quietly', 'soft', 'softly', 'soft spoken'].map((word): [string, Effect] => [word, scalar('loudness', -1)]),
  ...['breathy', 'airy'].map((word): [string, Effect] => [word, quality('breathy')]),
  ...['whisper', 'whispers', 'whispering', 'whispered', 'whispery', 'hushed'].map((word): [string, Effect] => [word, quality('whisper')]),
  ...['raspy', 'hoarse', 'gravelly', 'rough', 'croaky', 'husky'].map((word): [string, Effect] => [word, quality('raspy')]),
  ...Object.entries(STYLES).map(([name, scalars]): [string, Effect] => [name, style(name, scalars)]),
  ...Object.entries(STYLE_FORMS).map(([form, name]): [string, Effect] => [form, style(name, STYLES[name]!)]),
]);

const INTENSIFIERS: ReadonlyMap<string, number> = new Map([
  ['very', 2], ['really', 2], ['extremely', 2], ['super', 2], ['quite', 1.5], ['rather', 1.5], ['fairly', 1.5],
  ['slightly', 0.5], ['somewhat', 0.5], ['a bit', 0.5], ['a little', 0.5], ['mildly', 0.5],
]);
const NEGATIONS: ReadonlySet<string> = new Set(['not', 'no', 'never', "isn't", "doesn't", 'non']);
const NEGATED_SCALE = -0.5;

/** Words that carry no attribute and are never reported as ignored. */
const FILLER: ReadonlySet<string> = new Set(
  ('a an the and or but with of in on to for at by as that who which is are was be has have having sounds sound sounding ' +
    'voice voiced voices speaker speaking speaks speak talks talking narrator narrates person someone somebody ' +
    'tone toned pitch pitched accent accented delivery read reads reading way kind sort bit little tad pace paced ' +
    'please make give me i want need something one').split(' '),
);

const LONGEST_PHRASE = 3;

export interface PromptReading {
  readonly attributes: VoiceAttributes;
  /** What was understood, one entry per attribute set ("gender: female", "pitch: -2", "style: calm"). */
  readonly matched: readonly string[];
  /** Runs of words that are neither vocabulary nor filler, as written (lower-cased). */
  readonly ignored: readonly string[];
}

interface Token {
  readonly word: string;
  /** 'known' once a phrase, an intensifier or a negation used it. */
  state: 'unknown' | 'known' | 'filler';
}

function tokenize(prompt: string): Token[] {
  return (prompt.toLowerCase().normalize('NFKC').match(/[\p{L}]+(?:'[\p{L}]+)?/gu) ?? []).map((word) => ({ word, state: 'unknown' }));
}

/** The longest phrase of `table` starting at `index`: its value and length in words. */
function phraseAt<T>(tokens: readonly Token[], index: number, table: ReadonlyMap<string, T> | ReadonlySet<string>): { value: T | true; length: number } | undefined {
  for (let length = Math.min(LONGEST_PHRASE, tokens.length - index); length >= 1; length -= 1) {
    const phrase = tokens.slice(index, index + length).map((token) => token.word).join(' ');
    if (table instanceof Map) {
      const value = table.get(phrase);
      if (value !== undefined) return { value, length };
    } else if (table.has(phrase)) return { value: true, length };
  }
  return undefined;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const clampSteps = (value: number): number => Math.min(MAX_STEPS, Math.max(-MAX_STEPS, value));

/**
 * Reads a prompt. `accents`: the accents some engine can give a voice; an accent word outside it is reported
 * as ignored, so no answer promises what no engine has.
 */
export function readPrompt(prompt: string, accents?: ReadonlySet<string>): PromptReading {
  const tokens = tokenize(prompt);
  const scalars: Partial<Record<ScalarAttribute, number>> = {};
  const qualities = new Set<VoiceQuality>();
  const styles: string[] = [];
  let gender: 'male' | 'female' | undefined;
  let chosenAccent: string | undefined;
  let scale = 1;
  let negated = false;
  const mark = (from: number, length: number): void => {
    for (let k = from; k < from + length; k += 1) tokens[k]!.state = 'known';
  };
  const addScalars = (values: Scalars, factor: number): void => {
    for (const [name, steps] of Object.entries(values) as [ScalarAttribute, number][]) scalars[name] = (scalars[name] ?? 0) + steps * factor;
  };

  let modifiers: number[] = [];
  for (let index = 0; index < tokens.length; ) {
    const phrase = phraseAt(tokens, index, VOCABULARY);
    const effect = phrase?.value as Effect | undefined;
    if (phrase !== undefined && effect !== undefined && (effect.kind !== 'accent' || accents === undefined || accents.has(effect.accent))) {
      const factor = negated ? NEGATED_SCALE * scale : scale;
      if (effect.kind === 'gender') {
        gender = negated ? (effect.gender === 'male' ? 'female' : 'male') : effect.gender;
        if (effect.scalars !== undefined && !negated) addScalars(effect.scalars, 1);
      } else if (effect.kind === 'accent') {
        if (!negated) chosenAccent = effect.accent;
      } else if (effect.kind === 'quality') {
        if (negated) qualities.delete(effect.quality);
        else qualities.add(effect.quality);
      } else {
        addScalars(effect.scalars, factor);
        if (effect.style !== undefined && !negated && !styles.includes(effect.style)) styles.push(effect.style);
      }
      mark(index, phrase.length);
      for (const modifier of modifiers) tokens[modifier]!.state = 'known';
      index += phrase.length;
      scale = 1;
      negated = false;
      modifiers = [];
      continue;
    }
    const intensifier = phraseAt(tokens, index, INTENSIFIERS);
    if (intensifier !== undefined) {
      scale *= intensifier.value as number;
      for (let k = index; k < index + intensifier.length; k += 1) modifiers.push(k);
      index += intensifier.length;
      continue;
    }
    const token = tokens[index]!;
    if (NEGATIONS.has(token.word)) {
      negated = true;
      modifiers.push(index);
    } else if (FILLER.has(token.word)) token.state = 'filler';
    index += 1;
  }
  // A modifier that found no phrase to modify says nothing by itself.
  for (const token of tokens) if (token.state === 'unknown' && (NEGATIONS.has(token.word) || INTENSIFIERS.has(token.word))) token.state = 'filler';

  const attributes: { -readonly [K in keyof VoiceAttributes]: VoiceAttributes[K] } = {};
  const matched: string[] = [];
  if (gender !== undefined) {
    attributes.gender = gender;
    matched.push(`gender: ${gender}`);
  }
  if (chosenAccent !== undefined) {
    attributes.accent = chosenAccent;
    matched.push(`accent: ${chosenAccent}`);
  }
  for (const name of SCALAR_ATTRIBUTES) {
    const value = scalars[name];
    if (value === undefined || round(value) === 0) continue;
    attributes[name] = round(clampSteps(value));
    matched.push(`${name}: ${attributes[name]! > 0 ? '+' : ''}${attributes[name]}`);
  }
  if (qualities.size > 0) {
    attributes.qualities = [...qualities].sort();
    for (const name of attributes.qualities) matched.push(`quality: ${name}`);
  }
  for (const name of styles) matched.push(`style: ${name}`);
  return { attributes, matched, ignored: ignoredRuns(tokens) };
}

/** Runs of unknown words, joined over the filler between them (trailing filler dropped). */
function ignoredRuns(tokens: readonly Token[]): string[] {
  const runs: string[] = [];
  let run: Token[] = [];
  const close = (): void => {
    while (run.length > 0 && run[run.length - 1]!.state === 'filler') run.pop();
    if (run.length > 0) runs.push(run.map((token) => token.word).join(' '));
    run = [];
  };
  for (const token of tokens) {
    if (token.state === 'known') close();
    else if (token.state === 'unknown' || run.length > 0) run.push(token);
  }
  close();
  return runs;
}

/** The vocabulary in one sentence per attribute, for the 422 answer and the README. */
export function describeVocabulary(accents: readonly string[]): string {
  const accentWords = [...VOCABULARY].filter(([, effect]) => effect.kind === 'accent' && accents.includes(effect.accent)).map(([word]) => word);
  return [
    'gender (man, woman, male, female, boy, girl)',
    'age (child, young, middle-aged, old, elderly)',
    `accent (${accentWords.join(', ')})`,
    'pitch (deep, low, high, high-pitched)',
    'pitch variability (monotone, flat, expressive, lively)',
    'pace (slow, fast, quick)',
    'loudness (quiet, soft, loud, booming)',
    'voice quality (breathy, whisper, raspy, hoarse)',
    `style (${Object.keys(STYLES).join(', ')})`,
    'intensifiers (very, slightly, a bit) and negation (not)',
  ].join('; ');
}
