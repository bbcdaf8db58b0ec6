/**
 * Phonemes → Piper's input ids: BOS `^`, pad `_`, then every phoneme followed by a pad, then EOS `$`. A symbol
 * missing from the voice's map is skipped (as Piper does), so it has no id and no duration.
 */

export interface PiperIds {
  readonly ids: number[];
  /** For each id, the index of the phoneme it carries (its pads included), or -1 for BOS, its pad and EOS. */
  readonly owner: number[];
}

export function piperIds(phonemes: readonly string[], idMap: ReadonlyMap<string, readonly number[]>): PiperIds {
  const pad = idMap.get('_')!;
  const ids: number[] = [];
  const owner: number[] = [];
  const add = (values: readonly number[], phoneme: number): void => {
    for (const id of values) {
      ids.push(id);
      owner.push(phoneme);
    }
  };
  add(idMap.get('^')!, -1);
  add(pad, -1);
  phonemes.forEach((phoneme, index) => {
    const values = idMap.get(phoneme);
    if (values === undefined) return;
    add(values, index);
    add(pad, index);
  });
  add(idMap.get('$')!, -1);
  return { ids, owner };
}
