/** What the espeak engine asks of one of its workers (a structured-clone-safe request). */
export interface EspeakJob {
  /** espeak voice identifier, e.g. "en-us+f3". */
  readonly voice: string;
  readonly wordsPerMinute: number;
  readonly pitch: number;
  readonly gain: number;
  /** What espeak reads: the segment text, or `[[mnemonics]]` for phoneme input. */
  readonly input: string;
  /** For phoneme input, the written text that espeak's word events stand for. */
  readonly written?: string;
  /** Restore the instance's pristine state first, so the output does not depend on earlier jobs. */
  readonly repeatable?: boolean;
}

/**
 * Segment texts that make a worker crash or hang, honoured only when VOXWIRE_TEST_FAULTS=1, so tests can
 * prove the pool's recovery on a real worker. They start with a Unicode noncharacter, which no real text
 * holds and which, unlike a control character, requests may carry.
 */
/** With VOXWIRE_TEST_FAULTS=1, this value of VOXWIRE_TEST_FAULT_AT_START makes every worker hang while starting. */
export const TEST_START_HANG = 'hang';

export const TEST_FAULTS = {
  crash: '\uFDD0voxwire-test-fault:crash',
  hang: '\uFDD0voxwire-test-fault:hang',
} as const;
