/** Measurements of the test models' tones on decoded int16 audio. */

/** Frequency of a steady sine from its zero crossings (between the first and the last, so no edge bias). */
export function toneFrequency(samples: Int16Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let index = 1; index < samples.length; index++) {
    const before = samples[index - 1]!;
    const now = samples[index]!;
    if ((before < 0 && now >= 0) || (before >= 0 && now < 0)) {
      if (first < 0) first = index;
      last = index;
      crossings += 1;
    }
  }
  if (crossings < 3) return 0;
  return (crossings - 1) / 2 / ((last - first) / sampleRate);
}

export function peak(samples: Int16Array): number {
  let max = 0;
  for (const sample of samples) max = Math.max(max, Math.abs(sample));
  return max / 32767;
}
