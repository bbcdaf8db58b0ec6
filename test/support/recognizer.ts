/**
 * The round-trip recognizer of the intelligibility tests: Debian's pocketsphinx (`pocketsphinx_continuous` with
 * the `pocketsphinx-en-us` model, which .ci/run installs) transcribes a 16 kHz mono WAV file, and the word
 * error rate is the word-level edit distance to the text read, divided by its words.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '');

/** Word-level Levenshtein distance (substitutions, insertions and deletions each cost 1). */
export function editDistance(reference: readonly string[], hypothesis: readonly string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, index) => index);
  for (let row = 1; row <= reference.length; row++) {
    const current = [row];
    for (let column = 1; column <= hypothesis.length; column++) {
      const same = reference[row - 1] === hypothesis[column - 1];
      current.push(Math.min(previous[column]! + 1, current[column - 1]! + 1, previous[column - 1]! + (same ? 0 : 1)));
    }
    previous = current;
  }
  return previous[hypothesis.length]!;
}

export async function recognize(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pocketsphinx_continuous', ['-infile', file, '-logfn', '/dev/null'], {
    maxBuffer: 1 << 20,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new Error('pocketsphinx_continuous is missing: apt-get install pocketsphinx pocketsphinx-en-us');
    }
    throw error;
  });
  return stdout;
}
