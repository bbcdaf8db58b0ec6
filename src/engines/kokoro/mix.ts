/**
 * Voice mixing as a spec string: `af_bella(2)+af_sky(1)` is two thirds Bella and one third Sky (weights are
 * normalized to sum 1; a voice without a weight counts 1). The mixed style is the weighted sum of the rows.
 */

export interface MixPart {
  readonly voice: string;
  /** Normalized: the parts' weights sum to 1. */
  readonly weight: number;
}

const PART = /^([a-z]{2}_[a-z0-9]+)(?:\((\d+(?:\.\d+)?)\))?$/u;

export function parseVoiceMix(spec: string): MixPart[] {
  const parts = spec.split('+').map((part) => {
    const match = PART.exec(part.trim());
    if (!match) throw new Error(`"${part.trim()}" is not a Kokoro voice (name or name(weight))`);
    return { voice: match[1]!, weight: match[2] === undefined ? 1 : Number(match[2]) };
  });
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  if (!(total > 0)) throw new Error(`voice mix "${spec}" has no positive weight`);
  return parts.map((part) => ({ voice: part.voice, weight: part.weight / total }));
}

/** The mixed style row for `row` from voice files of 510 × 256 floats. */
export function mixedStyle(parts: readonly MixPart[], files: readonly Float32Array[], row: number, width: number): Float32Array {
  const style = new Float32Array(width);
  parts.forEach((part, index) => {
    const file = files[index]!;
    for (let k = 0; k < width; k++) style[k] = style[k]! + part.weight * file[row * width + k]!;
  });
  return style;
}
