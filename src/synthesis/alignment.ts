/**
 * Timestamps, computed in one place from engine events (protocol.md, "Timestamps"): this module places each
 * unit on the request's timeline in engine samples (adding its segment's start), turns those into the wire's
 * seconds, moves them onto the client's sample grid (resampling, the MP3 decoder's start delay) and into WAV cue
 * sample offsets. No other module changes a timestamp's unit or offset.
 *
 * Graphemes: every code point of the written text gets a [start, end] span.
 * - A word's letters share the word's span equally. A word starts at its engine word event and ends at the
 *   next boundary: the next word's start or the first pause the engine reports after it, whichever is first.
 *   Trailing punctuation that the engine counts into a word (e.g. "2." after a number) is not a letter: it
 *   belongs to the gap after the word.
 * - Characters between words (spaces, punctuation) share the gap between the word's end and the next word's
 *   start equally; characters before the first word share [segment start, first word start]; characters after
 *   the last word share [last word end, segment end].
 * - When the written text is not what the engine read (a <sub> alias, an IPA override) or the engine reports
 *   no words, the written characters share the whole segment equally.
 * Phonemes: a phoneme spans from its event to the next phoneme (or pause) event, or to the segment end.
 *
 * Streaming: a unit can be placed in a frame only when its span is final. `safeSample` tells up to which
 * sample every unit starting earlier is final, so the pipeline holds audio back only that long.
 *
 * Held audio is bounded: a span still open `maxHold` samples behind the newest audio (a word that never ends,
 * a giant `<phoneme ph>` or token, an engine that reports no words) is closed where the audio stands: the open
 * word ends there; without an open word the characters waiting for a boundary share the audio since the last
 * one. Whatever comes later starts at or after that point, so starts still never decrease, every character is
 * still placed exactly once, and no time lies past the audio.
 */
import type { AudioFormat } from '../audio/formats.js';
import { startDelaySamples } from '../audio/container.js';
import type { WavCue } from '../audio/wav.js';
import type { EngineChunk, PhonemeEvent, WordEvent } from '../engines/engine.js';

/** A timed unit: one grapheme or one phoneme, times in request-relative samples of the engine rate. */
export interface TimedUnit {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The wire shape of timestamps (protocol.md), times in seconds. */
export interface Alignment {
  graph_chars: string[];
  graph_times: [number, number][];
  phon_chars: string[];
  phon_times: [number, number][];
}

export function emptyAlignment(): Alignment {
  return { graph_chars: [], graph_times: [], phon_chars: [], phon_times: [] };
}

interface CodePoint {
  readonly char: string;
  /** UTF-16 index in the written text. */
  readonly index: number;
}

interface TrackedWord {
  readonly first: number; // index into codePoints, inclusive
  readonly last: number; // exclusive
  readonly start: number; // segment-relative sample
}

const LETTER = /[\p{L}\p{N}\p{M}]/u;

export class SegmentAligner {
  private readonly codePoints: CodePoint[];
  private readonly words: TrackedWord[] = [];
  private readonly wordEnds: number[] = [];
  private readonly phonemes: PhonemeEvent[] = [];
  private samples = 0;
  private finished = false;
  private nextGrapheme = 0;
  private nextPhoneme = 0;
  private readonly graphemes: TimedUnit[] = [];
  /** No grapheme placed from now on starts before this (segment-relative sample): set when a span is closed off. */
  private floor = 0;
  /** The last phoneme, closed off before its successor arrived: its index and end. */
  private closedPhoneme: { readonly index: number; readonly end: number } | undefined;

  /**
   * @param written the written text of this segment (graph_chars come from it)
   * @param followsWords true when the engine read exactly `written`, so its word events index into it
   * @param offset sample at which this segment starts in the request's audio
   * @param maxHold samples of audio a span may stay open behind the newest audio before it is closed off
   */
  constructor(
    written: string,
    private readonly followsWords: boolean,
    private readonly offset: number,
    private readonly maxHold = Number.POSITIVE_INFINITY,
  ) {
    this.codePoints = [];
    let index = 0;
    for (const char of written) {
      this.codePoints.push({ char, index });
      index += char.length;
    }
  }

  /** True once the segment is finished and every unit has been taken. */
  get drained(): boolean {
    return this.finished && this.graphemes.length === 0 && this.nextPhoneme >= this.phonemes.length;
  }

  add(chunk: EngineChunk): void {
    for (const phoneme of chunk.phonemes) this.addPhoneme(phoneme);
    if (this.followsWords) for (const word of chunk.words) this.addWord(word);
    this.samples += chunk.samples.length;
    this.closeStale();
  }

  /** The segment's audio is complete: every remaining span becomes final. */
  finish(): void {
    this.finished = true;
    if (this.words.length > this.wordEnds.length) this.wordEnds.push(this.samples);
    this.settleGraphemes();
  }

  /** Request-relative sample before which every unit's span is final. */
  safeSample(): number {
    if (this.finished) return Number.POSITIVE_INFINITY;
    let safe = Math.min(this.samples, this.graphemeSafe());
    const lastPhoneme = this.phonemes[this.phonemes.length - 1];
    if (lastPhoneme !== undefined && this.nextPhoneme < this.phonemes.length && this.closedPhoneme?.index !== this.phonemes.length - 1) {
      safe = Math.min(safe, lastPhoneme.sample);
    }
    return this.offset + safe;
  }

  /** Segment-relative sample before which every grapheme's span is final. */
  private graphemeSafe(): number {
    if (this.nextGrapheme >= this.codePoints.length) return this.samples;
    const lastWord = this.words[this.words.length - 1];
    if (!this.followsWords || lastWord === undefined) return this.floor;
    return Math.max(this.floor, this.wordEnds[this.words.length - 1] ?? lastWord.start);
  }

  /** Closes off whatever span has been open for more than `maxHold` samples (see the header). */
  private closeStale(): void {
    if (this.samples - this.graphemeSafe() > this.maxHold) {
      const open = this.words[this.words.length - 1];
      if (this.followsWords && open !== undefined && this.wordEnds.length < this.words.length) {
        this.wordEnds.push(this.samples);
        this.settleGraphemes();
      } else if (this.followsWords && open !== undefined) {
        this.spread(this.nextGrapheme, this.nextRunEnd(), this.wordEnds[this.words.length - 1]!, this.samples);
      } else {
        this.spread(this.nextGrapheme, this.codePoints.length, this.floor, this.samples);
      }
      this.floor = this.samples;
    }
    const last = this.phonemes.length - 1;
    const open = this.phonemes[last];
    if (open !== undefined && this.nextPhoneme === last && this.closedPhoneme?.index !== last && this.samples - open.sample > this.maxHold) {
      this.closedPhoneme = { index: last, end: this.samples };
    }
  }

  /** End of the characters after the next grapheme up to the next word's letters (a gap, or a word and its gap). */
  private nextRunEnd(): number {
    let end = this.nextGrapheme;
    const isLetter = (index: number): boolean => LETTER.test(this.codePoints[index]!.char);
    if (end < this.codePoints.length && isLetter(end)) while (end < this.codePoints.length && isLetter(end)) end += 1;
    while (end < this.codePoints.length && !isLetter(end)) end += 1;
    return end;
  }

  /** Removes and returns the final units that start before `before` (request-relative samples). */
  take(before: number): { graphemes: TimedUnit[]; phonemes: TimedUnit[] } {
    const limit = Math.min(before, this.safeSample());
    const graphemes: TimedUnit[] = [];
    while (this.graphemes.length > 0 && this.graphemes[0]!.start < limit) graphemes.push(this.graphemes.shift()!);
    const phonemes: TimedUnit[] = [];
    while (this.nextPhoneme < this.phonemes.length) {
      const phoneme = this.phonemes[this.nextPhoneme]!;
      const start = this.offset + phoneme.sample;
      if (start >= limit) break;
      const following = this.phonemes[this.nextPhoneme + 1];
      const closedEnd = this.closedPhoneme?.index === this.nextPhoneme ? this.closedPhoneme.end : undefined;
      if (following === undefined && closedEnd === undefined && !this.finished) break;
      const end = this.offset + (closedEnd ?? following?.sample ?? this.samples);
      if (phoneme.ipa !== '') phonemes.push({ text: phoneme.ipa, start, end: Math.max(start, end) });
      this.nextPhoneme += 1;
    }
    return { graphemes, phonemes };
  }

  private addPhoneme(event: PhonemeEvent): void {
    const previous = this.phonemes[this.phonemes.length - 1];
    const sample = Math.max(event.sample, previous?.sample ?? 0, this.closedPhoneme?.end ?? 0);
    this.phonemes.push({ ipa: event.ipa, sample });
    if (event.ipa === '') this.notePause(sample);
  }

  /** A pause ends the word being spoken, so its letters need not wait for the next word. */
  private notePause(sample: number): void {
    const open = this.words[this.words.length - 1];
    if (open !== undefined && this.wordEnds.length < this.words.length && sample >= open.start) {
      this.wordEnds.push(sample);
      this.settleGraphemes();
    }
  }

  private addWord(event: WordEvent): void {
    const first = this.codePointAt(event.textStart);
    if (first < 0) return;
    const previous = this.words[this.words.length - 1];
    if (previous !== undefined && first <= previous.first) return; // engines may repeat a position
    const previousEnd = this.wordEnds[this.words.length - 1];
    const start = Math.max(event.sample, previousEnd ?? previous?.start ?? 0, this.floor);
    if (previous !== undefined) {
      if (previousEnd === undefined) this.wordEnds.push(start);
      // The previous word may not reach into this one (espeak reports "42" as two overlapping words).
      if (previous.last > first) this.words[this.words.length - 1] = { ...previous, last: first };
    }
    let last = this.codePointAt(event.textStart + event.textLength);
    if (last < 0) last = this.codePoints.length;
    while (last > first + 1 && !LETTER.test(this.codePoints[last - 1]!.char)) last -= 1;
    this.words.push({ first, last: Math.max(last, first + 1), start });
    this.settleGraphemes();
  }

  /** Index of the code point at a UTF-16 index, or -1 beyond the text. */
  private codePointAt(utf16Index: number): number {
    if (utf16Index >= (this.codePoints[this.codePoints.length - 1]?.index ?? -1) + 1) {
      const lastPoint = this.codePoints[this.codePoints.length - 1];
      return lastPoint !== undefined && utf16Index < lastPoint.index + lastPoint.char.length ? this.codePoints.length - 1 : -1;
    }
    let low = 0;
    let high = this.codePoints.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.codePoints[middle]!.index <= utf16Index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** Turns every grapheme whose span is now known into a timed unit. */
  private settleGraphemes(): void {
    if (this.followsWords) {
      for (let w = 0; w < this.words.length; w += 1) {
        const word = this.words[w]!;
        if (this.nextGrapheme >= word.last) continue;
        this.spread(this.nextGrapheme, word.first, w === 0 ? 0 : this.wordEnds[w - 1]!, word.start);
        const end = this.wordEnds[w];
        if (end === undefined) return;
        this.spread(Math.max(this.nextGrapheme, word.first), word.last, word.start, end);
      }
    }
    if (this.finished) {
      const lastEnd = this.followsWords ? (this.wordEnds[this.words.length - 1] ?? 0) : 0;
      this.spread(this.nextGrapheme, this.codePoints.length, Math.min(lastEnd, this.samples), this.samples);
    }
  }

  private spread(from: number, to: number, spanStart: number, end: number): void {
    if (to <= from) return;
    // Characters placed after a span was closed off start where it was closed, however their span began.
    const start = Math.max(spanStart, this.floor);
    const span = Math.max(0, end - start);
    const count = to - from;
    for (let i = from; i < to; i += 1) {
      const k = i - from;
      this.graphemes.push({
        text: this.codePoints[i]!.char,
        start: this.offset + start + (span * k) / count,
        end: this.offset + start + (span * (k + 1)) / count,
      });
    }
    this.nextGrapheme = to;
  }
}

/** Appends units (request-relative samples at the engine's `rate`) to the wire's lists, in seconds. */
export function appendUnits(chars: string[], times: [number, number][], units: readonly TimedUnit[], rate: number): void {
  for (const unit of units) {
    chars.push(unit.text);
    times.push([unit.start / rate, unit.end / rate]);
  }
}

/** Where the client's audio puts a sound: its sample rate, and how late a decoder plays the first sample. */
export interface OutputGrid {
  readonly rate: number;
  readonly delaySamples: number;
}

/** The grid of a format. Times include the decoder's start delay (MP3's): they say when the listener hears each sound. */
export function outputGrid(format: AudioFormat): OutputGrid {
  return { rate: format.sampleRate, delaySamples: startDelaySamples(format) };
}

/**
 * Floors every time onto the output sample grid: the resampled stream holds at least floor(n·out/in)
 * samples, so a floored time never lies past the end of the audio, and flooring keeps starts in order. Every
 * time is then shifted by the grid's start delay.
 */
export function toOutputGrid(alignment: Alignment, grid: OutputGrid): Alignment {
  const snap = (seconds: number): number => (Math.floor(seconds * grid.rate + 1e-6) + grid.delaySamples) / grid.rate;
  const snapPair = ([start, end]: [number, number]): [number, number] => [snap(start), snap(end)];
  return {
    graph_chars: alignment.graph_chars,
    graph_times: alignment.graph_times.map(snapPair),
    phon_chars: alignment.phon_chars,
    phon_times: alignment.phon_times.map(snapPair),
  };
}

/**
 * The cue list of a timestamped WAV (`wav_encoded_timestamps`): one cue per grapheme, then one per phoneme. The
 * alignment's times already lie on the output grid (toOutputGrid), so rounding recovers the exact sample offsets.
 */
export function alignmentCues(alignment: Alignment, sampleRate: number): WavCue[] {
  const toSample = (seconds: number): number => Math.round(seconds * sampleRate);
  const cues = (chars: readonly string[], times: readonly [number, number][], purpose: WavCue['purpose']): WavCue[] =>
    chars.map((text, index) => {
      const [start, end] = times[index] ?? [0, 0];
      const sampleOffset = toSample(start);
      return { sampleOffset, lengthSamples: Math.max(0, toSample(end) - sampleOffset), purpose, text };
    });
  return [...cues(alignment.graph_chars, alignment.graph_times, 'grph'), ...cues(alignment.phon_chars, alignment.phon_times, 'phon')];
}
