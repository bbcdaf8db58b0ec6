/** What the espeak engine asks of one of its workers (a structured-clone-safe request). */
export interface EspeakJob {
  /** espeak voice identifier, e.g. "en-us+f3". */
  readonly voice: string;
  readonly wordsPerMinute: number;
  readonly pitch: number;
  /** espeak pitch range, 0–100 (50 = the voice's own intonation, 0 = monotone). */
  readonly range: number;
  /** A designed voice's variant file (src/engines/espeak/design.ts), written before the voice is set. */
  readonly variant?: { readonly name: string; readonly text: string };
  readonly gain: number;
  /** What espeak reads: the segment text, or `[[mnemonics]]` for phoneme input. */
  readonly input: string;
  /** For phoneme input, the written text that espeak's word events stand for. */
  readonly written?: string;
  /** Restore the instance's pristine state first, so the output does not depend on earlier jobs. */
  readonly repeatable?: boolean;
}
