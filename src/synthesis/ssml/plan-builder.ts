/**
 * The SSML element tree → a SynthesisPlan. This module knows what each tag means; the markup's safety is
 * tree.ts's job and value conversions belong to prosody.ts and say-as.ts.
 *
 * Written text: every text node of the document lands, unchanged, in exactly one item's `written`, in
 * document order, so joining the items' `written` gives `data` without tags, entities decoded.
 *
 * Items and boundaries:
 * - Adjacent plain text with the same prosody and language becomes one speech item (one engine segment).
 * - Whitespace-only text has no sound: it joins the item before it (or, at the start, the one after it), so
 *   no speech item is ever whitespace only. A document with no sound at all becomes one zero-length pause
 *   holding its whitespace.
 * - `<s>` and `<p>` are segment boundaries: text is never merged across them. Between two paragraphs (a
 *   `</p>` followed by more speech) the plan inserts a pause of PARAGRAPH_PAUSE_SECONDS, unless a
 *   `<break>` there says otherwise. `<s>` adds no pause; the engine's own sentence ending is enough.
 *
 * Cost: every pause, a paragraph's included, counts against the document's silence budget (protocol.md:
 * 30 s), refused at the element whose pause crosses it. Building is linear in the number of nodes: no step
 * looks back over the items built so far.
 */
import { NEUTRAL_PROSODY, type Prosody } from '../../engines/engine.js';
import type { PlanItem, SynthesisPlan } from '../plan.js';
import { invalidSsml, type SourcePosition } from './position.js';
import { composeProsody, emphasisProsody, parseMeasure, promptDelivery, promptProsody } from './prosody.js';
import { sayAs } from './say-as.js';
import type { SsmlElement, SsmlNode } from './tree.js';

/** Break strengths, in seconds (a bare `<break/>` is medium). */
const BREAK_STRENGTHS: Readonly<Record<string, number>> = {
  none: 0, 'x-weak': 0.1, weak: 0.25, medium: 0.5, strong: 0.75, 'x-strong': 1.2,
};
const PARAGRAPH_PAUSE_SECONDS = BREAK_STRENGTHS.weak ?? 0.25;
const MAX_BREAK_SECONDS = 10;
const MAX_SEED = 0xffff_ffff;

/** Attributes every element may carry without effect on speech (namespace and schema boilerplate). */
const isBoilerplate = (name: string): boolean => name === 'xmlns' || name.startsWith('xmlns:') || name.startsWith('xsi:');

const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  speak: ['version', 'xml:lang', 'prompt', 'temperature', 'exaggeration', 'seed'],
  prosody: ['pitch', 'rate', 'volume'],
  break: ['time', 'strength'],
  emphasis: ['level'],
  'say-as': ['interpret-as', 'format'],
  sub: ['alias'],
  lang: ['xml:lang'],
  voice: ['xml:lang'],
  phoneme: ['alphabet', 'ph'],
  p: ['xml:lang'],
  s: ['xml:lang'],
  mark: ['name'],
};

interface Context {
  readonly prosody: Prosody;
  readonly language: string | undefined;
  /** Whether a voice speaks a language, so an unspeakable <lang> is refused at its own line and column. */
  readonly speaks: (language: string) => boolean;
}

/** A speech item under construction; `mergeable` is false for items whose written text has its own span. */
interface DraftSpeech {
  kind: 'speech';
  written: string;
  spoken: string;
  ipa: string | undefined;
  language: string | undefined;
  prosody: Prosody;
  mergeable: boolean;
}

interface DraftPause {
  kind: 'pause';
  seconds: number;
  written: string;
}

type Draft = DraftSpeech | DraftPause | { kind: 'mark'; name: string };

const samePros = (a: Prosody, b: Prosody): boolean =>
  a.rate === b.rate && a.pitchSemitones === b.pitchSemitones && a.volume === b.volume;

const isPlain = (item: DraftSpeech): boolean => item.ipa === undefined && item.written === item.spoken;

class PlanBuilder {
  private readonly items: Draft[] = [];
  /** Index of the last item that is not a mark (marks hold no text), -1 before there is one. */
  private lastTextual = -1;
  /** Silence so far, in whole microseconds, so that 25 breaks of 1.2 s add up to exactly 30 s. */
  private silenceMicros = 0;
  /** Where the paragraph whose pause is pending ended, for the error if that pause is over the budget. */
  private paragraphAt: SourcePosition = { line: 1, column: 1 };
  /** Whitespace seen before any item that could hold it. */
  private leading = '';
  /** True when the last item may not absorb following text (a boundary was crossed). */
  private sealed = false;
  private paragraphPausePending = false;

  constructor(private readonly maxSilenceSeconds: number) {}

  addText(text: string, context: Context): void {
    if (text.trim() === '') {
      this.addWhitespace(text);
      return;
    }
    this.addSpeech({ written: text, spoken: text, ipa: undefined, mergeable: true }, context);
  }

  addSpeech(piece: { written: string; spoken: string; ipa: string | undefined; mergeable: boolean }, context: Context): void {
    this.flushParagraphPause();
    const last = this.items[this.items.length - 1];
    if (piece.mergeable && !this.sealed && last?.kind === 'speech' && last.mergeable && isPlain(last)
      && last.language === context.language && samePros(last.prosody, context.prosody)) {
      last.written += piece.written;
      last.spoken += piece.spoken;
      return;
    }
    const plain = piece.ipa === undefined && piece.written === piece.spoken;
    this.lastTextual = this.items.length;
    this.items.push({
      kind: 'speech',
      written: this.leading + piece.written,
      spoken: plain ? this.leading + piece.spoken : piece.spoken,
      ipa: piece.ipa,
      language: context.language,
      prosody: context.prosody,
      mergeable: piece.mergeable,
    });
    this.leading = '';
    this.sealed = false;
  }

  /** A pause of `seconds`, asked for by the element at `at`. */
  addPause(seconds: number, at: SourcePosition): void {
    this.paragraphPausePending = false;
    this.silenceMicros += Math.round(seconds * 1e6);
    if (this.silenceMicros > this.maxSilenceSeconds * 1e6) {
      throw invalidSsml(`this pause brings the silence asked for to ${this.silenceMicros / 1e6} s; at most ${this.maxSilenceSeconds} s are accepted in one request`, at);
    }
    this.lastTextual = this.items.length;
    this.items.push({ kind: 'pause', seconds, written: this.leading });
    this.leading = '';
    this.sealed = false;
  }

  addMark(name: string): void {
    this.items.push({ kind: 'mark', name });
  }

  /** Ends a sentence or paragraph: nothing after it merges into what came before. */
  seal(paragraph: SourcePosition | undefined): void {
    this.sealed = true;
    if (paragraph === undefined) return;
    this.paragraphPausePending = true;
    this.paragraphAt = paragraph;
  }

  private flushParagraphPause(): void {
    if (!this.paragraphPausePending) return;
    this.addPause(PARAGRAPH_PAUSE_SECONDS, this.paragraphAt);
  }

  private addWhitespace(text: string): void {
    const item = this.items[this.lastTextual];
    if (item === undefined || item.kind === 'mark') {
      this.leading += text;
      return;
    }
    if (item.kind === 'speech' && isPlain(item)) item.spoken += text;
    item.written += text;
  }

  finish(seed: number | undefined): SynthesisPlan {
    if (this.leading !== '') this.addPause(0, { line: 1, column: 1 });
    const items: PlanItem[] = this.items.map((item) => {
      if (item.kind !== 'speech') return { ...item };
      const { mergeable: _, ipa, language, ...rest } = item;
      return { ...rest, ...(ipa === undefined ? {} : { ipa }), ...(language === undefined ? {} : { language }) };
    });
    return seed === undefined ? { items } : { items, seed };
  }
}

/** Lower-cased BCP-47-ish tag ("en-US" → "en-us"), or InvalidSSML. */
function languageTag(value: string, element: SsmlElement): string {
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(value)) {
    throw invalidSsml(`<${element.name} xml:lang="${value}"> is not a language tag such as "en-US"`, element.at);
  }
  return value.toLowerCase();
}

function required(element: SsmlElement, attribute: string): string {
  const value = element.attributes[attribute];
  if (value === undefined || value.trim() === '') {
    throw invalidSsml(`<${element.name}> needs a non-empty ${attribute} attribute`, element.at);
  }
  return value;
}

function checkAttributes(element: SsmlElement): void {
  const allowed = ALLOWED_ATTRIBUTES[element.name];
  if (allowed === undefined) throw invalidSsml(`unsupported element <${element.name}>`, element.at);
  for (const name of Object.keys(element.attributes)) {
    if (!allowed.includes(name) && !isBoilerplate(name)) {
      throw invalidSsml(`unsupported attribute ${name} on <${element.name}>`, element.at);
    }
  }
}

/** The text of an element that may hold only text (<say-as>, <sub>, <phoneme>). */
function textOnly(element: SsmlElement): string {
  let text = '';
  for (const child of element.children) {
    if (child.kind === 'element') throw invalidSsml(`<${element.name}> may contain only text, not <${child.name}>`, child.at);
    text += child.text;
  }
  return text;
}

function breakSeconds(element: SsmlElement): number {
  const time = element.attributes.time;
  if (time !== undefined) {
    const m = parseMeasure(time);
    const seconds = m === undefined || m.signed ? undefined : m.unit === 'ms' ? m.value / 1000 : m.unit === 's' ? m.value : undefined;
    if (seconds === undefined) throw invalidSsml(`<break time="${time}"> is not supported: expected a duration such as "700ms" or "1.5s"`, element.at);
    if (seconds > MAX_BREAK_SECONDS) throw invalidSsml(`<break time="${time}"> is longer than the ${MAX_BREAK_SECONDS} s limit`, element.at);
    return seconds;
  }
  const strength = element.attributes.strength ?? 'medium';
  const seconds = BREAK_STRENGTHS[strength];
  if (seconds === undefined) throw invalidSsml(`<break strength="${strength}"> is not supported: expected none, x-weak, weak, medium, strong or x-strong`, element.at);
  return seconds;
}

function emptyElement(element: SsmlElement): void {
  const child = element.children[0];
  if (child !== undefined) {
    throw invalidSsml(`<${element.name}> must be empty`, child.kind === 'element' ? child.at : element.at);
  }
}

const isEnglish = (language: string | undefined): boolean => language === undefined || language === 'en' || language.startsWith('en-');

function walkChildren(nodes: readonly SsmlNode[], context: Context, builder: PlanBuilder): void {
  for (const node of nodes) {
    if (node.kind === 'text') builder.addText(node.text, context);
    else walkElement(node, context, builder);
  }
}

function languageContext(element: SsmlElement, context: Context): Context {
  const lang = element.attributes['xml:lang'];
  if (lang === undefined) return context;
  const language = languageTag(lang, element);
  if (!context.speaks(language)) throw invalidSsml(`<${element.name} xml:lang="${lang}">: no voice speaks this language`, element.at);
  return { ...context, language };
}

function walkElement(element: SsmlElement, context: Context, builder: PlanBuilder): void {
  checkAttributes(element);
  const attr = element.attributes;
  switch (element.name) {
    case 'speak':
      throw invalidSsml('<speak> may only be the root element', element.at);
    case 'prosody':
      walkChildren(element.children, { ...context, prosody: composeProsody(context.prosody, attr, element.at) }, builder);
      return;
    case 'emphasis':
      walkChildren(element.children, { ...context, prosody: emphasisProsody(context.prosody, attr.level ?? 'moderate', element.at) }, builder);
      return;
    case 'lang':
    case 'voice':
      required(element, 'xml:lang');
      walkChildren(element.children, languageContext(element, context), builder);
      return;
    case 'p':
    case 's':
      builder.seal(undefined);
      walkChildren(element.children, languageContext(element, context), builder);
      builder.seal(element.name === 'p' ? element.at : undefined);
      return;
    case 'break':
      emptyElement(element);
      builder.addPause(breakSeconds(element), element.at);
      return;
    case 'mark':
      emptyElement(element);
      builder.addMark(required(element, 'name'));
      return;
    case 'sub':
      builder.addSpeech({ written: textOnly(element), spoken: required(element, 'alias'), ipa: undefined, mergeable: false }, context);
      return;
    case 'phoneme': {
      const alphabet = attr.alphabet ?? 'ipa';
      if (alphabet !== 'ipa') throw invalidSsml(`<phoneme alphabet="${alphabet}"> is not supported: only "ipa" is`, element.at);
      const text = textOnly(element);
      builder.addSpeech({ written: text, spoken: text, ipa: required(element, 'ph'), mergeable: false }, context);
      return;
    }
    case 'say-as': {
      const pieces = sayAs({
        interpretAs: required(element, 'interpret-as'),
        format: attr.format,
        text: textOnly(element),
        english: isEnglish(context.language),
        at: element.at,
      });
      for (const piece of pieces) builder.addSpeech({ ...piece, ipa: undefined, mergeable: false }, context);
      return;
    }
    default:
      throw invalidSsml(`unsupported element <${element.name}>`, element.at);
  }
}

function numberAttribute(root: SsmlElement, name: string): number | undefined {
  const value = root.attributes[name];
  if (value === undefined) return undefined;
  const number = Number(value.trim() === '' ? NaN : value);
  if (!Number.isFinite(number)) throw invalidSsml(`<speak ${name}="${value}"> is not a number`, root.at);
  return number;
}

function seedOf(root: SsmlElement): number | undefined {
  const value = root.attributes.seed;
  if (value === undefined) return undefined;
  const seed = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(seed <= MAX_SEED)) throw invalidSsml(`<speak seed="${value}"> is not a whole number from 0 to ${MAX_SEED}`, root.at);
  return seed;
}

/** Builds the plan of a parsed document whose root must be <speak>, its pauses adding up to `maxSilenceSeconds` at most. */
export function buildPlan(root: SsmlElement, maxSilenceSeconds: number, speaks: (language: string) => boolean = () => true): SynthesisPlan {
  if (root.name !== 'speak') throw invalidSsml(`the root element must be <speak>, not <${root.name}>`, root.at);
  checkAttributes(root);
  // Accepted and ignored: the engines have no sampling temperature (their output depends on the text alone).
  numberAttribute(root, 'temperature');
  const exaggeration = numberAttribute(root, 'exaggeration');
  const seed = seedOf(root);
  const prompt = root.attributes.prompt;
  const context = languageContext(root, {
    prosody: prompt === undefined ? NEUTRAL_PROSODY : promptProsody(prompt, root.at, exaggeration),
    language: undefined,
    speaks,
  });
  const builder = new PlanBuilder(maxSilenceSeconds);
  walkChildren(root.children, context, builder);
  const plan = builder.finish(seed);
  const delivery = prompt === undefined ? undefined : promptDelivery(prompt, exaggeration);
  return delivery === undefined ? plan : { ...plan, delivery };
}
