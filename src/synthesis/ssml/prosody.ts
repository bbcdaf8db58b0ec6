/**
 * SSML prosody values → the plan's Prosody (rate multiplier, pitch in semitones, linear volume gain).
 *
 * Composition rule: every value is a change applied to the enclosing element's prosody (rates and gains
 * multiply, semitones add), so nested <prosody>, <emphasis> and the <speak prompt> style stack up. The
 * exceptions set an absolute value relative to the voice's own: `default` (any attribute), `silent`
 * (volume 0) and an unsigned Hz pitch.
 *
 * Conversions:
 * - rate: x-slow 0.5, slow 0.75, medium 1, fast 1.5, x-fast 2; "50%" → ×0.5; "+20%" → ×1.2; "-20%" → ×0.8;
 *   a bare number is a multiplier ("1.5" → ×1.5).
 * - pitch: x-low −6 st, low −3, medium 0, high +3, x-high +6; "+2st" → +2; "+10%"/"-10%" and "80%" scale
 *   the frequency (12·log2 of the ratio); "+10Hz"/"-10Hz" shift it from a nominal 120 Hz voice, "200Hz"
 *   sets it relative to that nominal 120 Hz (the engine's actual F0 differs per voice; this is the
 *   documented approximation).
 * - volume: silent → 0, x-soft −12 dB, soft −6 dB, medium 0 dB, loud +4 dB, x-loud +8 dB; "+6dB" → ×10^(6/20);
 *   "+20%"/"-20%" and "50%" scale the gain.
 * Results outside RATE_RANGE, PITCH_RANGE and VOLUME_RANGE are refused rather than clamped. The rate's floor
 * is the contract's (protocol.md, "What one request may cost": never slower than half speed after nesting),
 * since a slower rate stretches the audio, and the engine time, of every character.
 */
import { stepGain, stepRate, stepSemitones } from '../../engines/design.js';
import type { Delivery } from '../../engines/design.js';
import type { Prosody } from '../../engines/engine.js';
import { readPrompt } from '../lexicon.js';
import { invalidSsml, type SourcePosition } from './position.js';

/** Fundamental frequency assumed when converting Hz to semitones. */
const NOMINAL_F0_HZ = 120;
const RATE_RANGE = [0.5, 4] as const;
const PITCH_RANGE = [-24, 24] as const;
const VOLUME_RANGE = [0, 16] as const;

/** A change to one prosody dimension: applied to the enclosing value, or replacing it. */
interface Change {
  readonly absolute: boolean;
  readonly amount: number;
}

const relative = (amount: number): Change => ({ absolute: false, amount });
const absolute = (amount: number): Change => ({ absolute: true, amount });
const decibels = (db: number): number => 10 ** (db / 20);
const semitonesOf = (ratio: number): number => 12 * Math.log2(ratio);

const RATE_NAMES: Readonly<Record<string, number>> = { 'x-slow': 0.5, slow: 0.75, medium: 1, fast: 1.5, 'x-fast': 2 };
const PITCH_NAMES: Readonly<Record<string, number>> = { 'x-low': -6, low: -3, medium: 0, high: 3, 'x-high': 6 };
const VOLUME_NAMES_DB: Readonly<Record<string, number>> = { 'x-soft': -12, soft: -6, medium: 0, loud: 4, 'x-loud': 8 };

interface Measure {
  readonly signed: boolean;
  /** The number with its sign applied. */
  readonly value: number;
  /** Lower-case unit ('' when absent). */
  readonly unit: string;
}

/** Reads "+20%", "-3.5st", "700ms", "1.5"; undefined when the value is not a number with a unit. */
export function parseMeasure(text: string): Measure | undefined {
  const match = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)([a-z%]*)$/i.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = '', digits = '', unit = ''] = match;
  const magnitude = Number(digits);
  return { signed: sign !== '', value: sign === '-' ? -magnitude : magnitude, unit: unit.toLowerCase() };
}

function refuse(attribute: string, value: string, expected: string, at: SourcePosition): never {
  throw invalidSsml(`<prosody ${attribute}="${value}"> is not supported: expected ${expected}`, at);
}

function rateChange(value: string, at: SourcePosition): Change {
  if (value === 'default') return absolute(1);
  const named = RATE_NAMES[value];
  if (named !== undefined) return relative(named);
  const m = parseMeasure(value);
  if (m !== undefined && m.unit === '%') return relative(m.signed ? 1 + m.value / 100 : m.value / 100);
  if (m !== undefined && m.unit === '' && !m.signed) return relative(m.value);
  return refuse('rate', value, 'x-slow, slow, medium, fast, x-fast, default, a percentage ("50%", "+20%") or a multiplier ("1.5")', at);
}

function pitchChange(value: string, at: SourcePosition): Change {
  if (value === 'default') return absolute(0);
  const named = PITCH_NAMES[value];
  if (named !== undefined) return relative(named);
  const m = parseMeasure(value);
  if (m !== undefined && m.unit === 'st') return relative(m.value);
  if (m !== undefined && m.unit === '%') {
    const ratio = m.signed ? 1 + m.value / 100 : m.value / 100;
    if (ratio > 0) return relative(semitonesOf(ratio));
  }
  if (m !== undefined && m.unit === 'hz') {
    if (!m.signed && m.value > 0) return absolute(semitonesOf(m.value / NOMINAL_F0_HZ));
    if (m.signed && NOMINAL_F0_HZ + m.value > 0) return relative(semitonesOf((NOMINAL_F0_HZ + m.value) / NOMINAL_F0_HZ));
  }
  return refuse('pitch', value, 'x-low, low, medium, high, x-high, default, semitones ("+2st"), a percentage ("+10%") or Hz ("+10Hz", "200Hz")', at);
}

function volumeChange(value: string, at: SourcePosition): Change {
  if (value === 'default') return absolute(1);
  if (value === 'silent') return absolute(0);
  const namedDb = VOLUME_NAMES_DB[value];
  if (namedDb !== undefined) return relative(decibels(namedDb));
  const m = parseMeasure(value);
  if (m !== undefined && m.unit === 'db') return relative(decibels(m.value));
  if (m !== undefined && m.unit === '%') return relative(m.signed ? 1 + m.value / 100 : m.value / 100);
  return refuse('volume', value, 'silent, x-soft, soft, medium, loud, x-loud, default, decibels ("+6dB") or a percentage ("50%")', at);
}

function apply(change: Change | undefined, current: number, compose: (a: number, b: number) => number): number {
  if (change === undefined) return current;
  return change.absolute ? change.amount : compose(current, change.amount);
}

const times = (a: number, b: number): number => a * b;
const plus = (a: number, b: number): number => a + b;

function checkRange(what: string, value: number, [low, high]: readonly [number, number], at: SourcePosition): void {
  if (!(value >= low && value <= high)) {
    throw invalidSsml(`resulting ${what} ${Number(value.toFixed(3))} is outside the supported range ${low}…${high}`, at);
  }
}

/** The three prosody attributes of an element, any of them absent. */
export interface ProsodyAttributes {
  readonly rate?: string | undefined;
  readonly pitch?: string | undefined;
  readonly volume?: string | undefined;
}

/** The prosody inside an element carrying `attributes`, given the prosody around it. */
export function composeProsody(outer: Prosody, attributes: ProsodyAttributes, at: SourcePosition): Prosody {
  const rate = apply(attributes.rate === undefined ? undefined : rateChange(attributes.rate, at), outer.rate, times);
  const pitchSemitones = apply(attributes.pitch === undefined ? undefined : pitchChange(attributes.pitch, at), outer.pitchSemitones, plus);
  const volume = apply(attributes.volume === undefined ? undefined : volumeChange(attributes.volume, at), outer.volume, times);
  checkRange('rate', rate, RATE_RANGE, at);
  checkRange('pitch (semitones)', pitchSemitones, PITCH_RANGE, at);
  checkRange('volume (gain)', volume, VOLUME_RANGE, at);
  return { rate, pitchSemitones, volume };
}

/** <emphasis level>: stronger emphasis is slower, louder and a little higher. */
const EMPHASIS: Readonly<Record<string, ProsodyAttributes>> = {
  strong: { rate: '0.85', pitch: '+2st', volume: '+4dB' },
  moderate: { rate: '0.92', pitch: '+1st', volume: '+2dB' },
  none: {},
  reduced: { rate: '1.08', pitch: '-1st', volume: '-4dB' },
};

export function emphasisProsody(outer: Prosody, level: string, at: SourcePosition): Prosody {
  const attributes = EMPHASIS[level];
  if (attributes === undefined) throw invalidSsml(`<emphasis level="${level}"> is not supported: expected strong, moderate, none or reduced`, at);
  return composeProsody(outer, attributes, at);
}

/** `<speak exaggeration>` at which a prompt acts exactly as described (protocol.md section 6). */
export const NEUTRAL_EXAGGERATION = 0.5;
/** A whispered delivery, as far as prosody carries it: about 10 dB softer and a little slower. */
const WHISPER_GAIN = 10 ** (-10 / 20);
const WHISPER_RATE = 0.9;

/**
 * The delivery a `<speak prompt="…">` asks for, read through the same lexicon as voice design
 * (src/synthesis/lexicon.ts): pace, pitch and loudness (and the style words, which are mixes of them) become
 * the request's rate, pitch and gain, scaled by `exaggeration` (0.5 = as described, 1 = twice as much, 0 =
 * nothing); a whisper is also softer and slower, on every engine (exaggeration 0 leaves it out too).
 * Variability and voice quality change the voice itself: `promptDelivery` below. Words outside the lexicon are
 * part of the prompt's prose, not errors. Results are kept inside the ranges SSML prosody allows (the rate never below half speed).
 */
export function promptProsody(prompt: string, at: SourcePosition, exaggeration: number = NEUTRAL_EXAGGERATION): Prosody {
  if (!(exaggeration >= 0 && exaggeration <= 1)) throw invalidSsml(`<speak exaggeration="${exaggeration}"> must be from 0.0 to 1.0`, at);
  const { attributes } = readPrompt(prompt);
  const scale = exaggeration / NEUTRAL_EXAGGERATION;
  const whisper = scale > 0 && attributes.qualities?.includes('whisper') === true;
  const prosody: Prosody = {
    rate: Math.min(RATE_RANGE[1], Math.max(RATE_RANGE[0], stepRate((attributes.pace ?? 0) * scale) * (whisper ? WHISPER_RATE : 1))),
    pitchSemitones: Math.min(PITCH_RANGE[1], Math.max(PITCH_RANGE[0], stepSemitones((attributes.pitch ?? 0) * scale))),
    volume: Math.min(VOLUME_RANGE[1], stepGain((attributes.loudness ?? 0) * scale) * (whisper ? WHISPER_GAIN : 1)),
  };
  return prosody;
}

/**
 * What a `<speak prompt="…">` asks of the voice itself, beyond Prosody: pitch variability (monotone …
 * expressive, and the style words' share of it) scaled by `exaggeration` like the rest, and the voice
 * qualities (whisper, breathy, raspy), which have no degrees and apply whenever `exaggeration` is above 0. The
 * voice's engine applies it as far as it can (Engine `deliver`). Undefined when the prompt asks nothing of the
 * kind, so such a request is the same as one without it. Call after `promptProsody` has checked `exaggeration`.
 */
export function promptDelivery(prompt: string, exaggeration: number = NEUTRAL_EXAGGERATION): Delivery | undefined {
  const { attributes } = readPrompt(prompt);
  const variability = (attributes.variability ?? 0) * (exaggeration / NEUTRAL_EXAGGERATION);
  const qualities = exaggeration > 0 ? (attributes.qualities ?? []) : [];
  return variability === 0 && qualities.length === 0 ? undefined : { variability, qualities };
}
