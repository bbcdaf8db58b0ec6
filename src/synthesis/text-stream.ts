/**
 * Text that arrives while it is being written (protocol.md section 7, text streaming): the pieces of an
 * LLM's output are buffered and cut into clauses, and each clause becomes a plan as soon as it is complete,
 * so that speech starts after the first clause rather than after the whole text. The clauses joined give back
 * the text exactly (timestamps depend on it). One consumer reads `plans()`; the pipeline speaks them in order
 * on one timeline (SynthesisRequest.continuation).
 */
import { SynthesisError } from './errors.js';
import { codePoints, costBudget, planCost } from './budget.js';
import type { SynthesisPlan } from './plan.js';
import { isHighSurrogate, MAX_SEGMENT_CHARS, splitIntoSegments } from './segmenter.js';
import { planFromText } from './ssml/index.js';

/**
 * A clause ends at punctuation followed by whitespace: the whitespace is what tells "3.5" and "e.g" from an end.
 * The last boundary in the buffer is taken, so text that arrives in a burst goes to the engine as one run and
 * is read with the prosody of one run.
 */
const CLAUSE_END = /[.!?;:,。！？；：，…]+["'”’)\]]*\s+/gu;
/** Past this many characters without a clause end, the text is cut after its last whitespace. */
export const MAX_CLAUSE_CHARS = 150;
const WHITESPACE = /\s/u;

export interface TextStreamOptions {
  /** Characters the whole stream may receive (written; spoken text may be twice that): TextTooLong past it. */
  readonly maxChars: number;
  /** Milliseconds without new text after which the stream speaks what it holds and ends. */
  readonly idleMs: number;
  /** Aborting ends the stream quietly: `plans()` returns, nothing more is spoken. */
  readonly signal: AbortSignal;
}

export class TextStream {
  private buffer = '';
  private readonly ready: string[] = [];
  private writtenChars = 0;
  private spokenChars = 0;
  private ended = false;
  private failure: SynthesisError | undefined;
  private wake: (() => void) | undefined;
  private idle: NodeJS.Timeout | undefined;
  private readonly budget;

  constructor(private readonly options: TextStreamOptions) {
    this.budget = costBudget(options.maxChars);
    options.signal.addEventListener('abort', () => this.close(), { once: true });
    this.armIdle();
  }

  /** Characters received so far (for logs and metrics). */
  get characters(): number {
    return this.writtenChars;
  }

  /** Whether the stream takes more text (no text_end, idle end, failure or abort yet). */
  get open(): boolean {
    return !this.ended && this.failure === undefined;
  }

  /** Appends text; cuts off every clause it completes. A stream over its budget fails with TextTooLong. */
  append(text: string): void {
    if (!this.open) return;
    this.writtenChars += codePoints(text);
    if (this.writtenChars > this.budget.writtenChars) {
      this.fail(
        new SynthesisError('too-long', `A streamed request may receive at most ${this.budget.writtenChars} characters; this one received ${this.writtenChars}.`, {
          length: this.writtenChars,
          max_length: this.budget.writtenChars,
        }),
      );
      return;
    }
    this.buffer += text;
    this.armIdle();
    const cut = clauseCut(this.buffer);
    if (cut > 0) this.take(cut);
  }

  /** Speaks what is buffered now, mid-clause or mid-word. */
  flush(): void {
    if (!this.open) return;
    this.armIdle();
    this.take(this.buffer.length);
  }

  /** No more text follows: what is buffered is spoken, then the stream ends. */
  end(): void {
    if (!this.open) return;
    this.take(this.buffer.length);
    this.close();
  }

  /** The clauses as plans, in order, as they complete. Throws the stream's failure (TextTooLong). */
  async *plans(): AsyncGenerator<SynthesisPlan, void, undefined> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const clause = this.ready.shift();
      if (clause !== undefined) yield planFromText(clause);
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Moves the buffer's first `length` characters to the clauses ready to speak, a sentence per clause: the
   * pipeline would cut them there anyway, and a failure or a cancel is then noticed within one sentence.
   */
  private take(length: number): void {
    if (length === 0) return;
    const text = this.buffer.slice(0, length);
    this.buffer = this.buffer.slice(length);
    for (const clause of splitIntoSegments(text)) {
      // A lone letter is read by its name and costs what ten characters do (budget.ts): the spoken limit
      // holds for a stream as for one request.
      this.spokenChars += planCost(planFromText(clause)).spokenChars;
      if (this.spokenChars > this.budget.spokenChars) {
        this.fail(
          new SynthesisError('too-long', `This streamed request asks for ${this.spokenChars} characters to be spoken (a lone letter counts as ten); the limit is ${this.budget.spokenChars}.`, {
            spoken_length: this.spokenChars,
            max_spoken_length: this.budget.spokenChars,
          }),
        );
        return;
      }
      this.ready.push(clause);
    }
    this.notify();
  }

  private fail(error: SynthesisError): void {
    this.failure = error;
    this.close();
  }

  private close(): void {
    this.ended = true;
    clearTimeout(this.idle);
    this.notify();
  }

  private armIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.end(), this.options.idleMs);
    this.idle.unref();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * Where the buffer's complete text ends: after its last clause end; failing that, once it is longer than
 * MAX_CLAUSE_CHARS, after its last whitespace, or hard at the segment limit for one endless token. 0: wait.
 */
export function clauseCut(buffer: string): number {
  let cut = 0;
  for (const match of buffer.matchAll(CLAUSE_END)) cut = (match.index ?? 0) + match[0].length;
  if (cut > 0 || buffer.length <= MAX_CLAUSE_CHARS) return cut;
  for (let end = buffer.length - 1; end > 0; end -= 1) if (WHITESPACE.test(buffer[end]!)) return end + 1;
  return buffer.length >= MAX_SEGMENT_CHARS ? MAX_SEGMENT_CHARS - (isHighSurrogate(buffer.charCodeAt(MAX_SEGMENT_CHARS - 1)) ? 1 : 0) : 0;
}
