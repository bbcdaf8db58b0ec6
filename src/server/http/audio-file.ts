/** The cue list of a timestamped WAV (`wav_encoded_timestamps`), from a request's alignment. */
import type { WavCue } from '../../audio/wav.js';
import type { Alignment } from '../../synthesis/alignment.js';

/**
 * One cue per grapheme, then one per phoneme. The alignment's times already lie on the output sample grid,
 * so rounding recovers the exact sample offsets.
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
