/** The README's benchmark section is rewritten between its markers and nothing else in the README changes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { END_MARKER, START_MARKER, withBenchSection } from '../../bench/readme.js';

const TABLE = '| N | requests |\n| --- | --- |\n| 1 | 10 |\n';

test('the text between the markers is replaced by the new results, the rest is kept byte for byte', () => {
  const before = `# voxwire\n\nIntro.\n\n## Benchmark\n\nHow to run it.\n\n${START_MARKER}\nold table\n${END_MARKER}\n\n## License\n\nGPL.\n`;
  const after = withBenchSection(before, TABLE);
  assert.equal(after, `# voxwire\n\nIntro.\n\n## Benchmark\n\nHow to run it.\n\n${START_MARKER}\n\n${TABLE}\n${END_MARKER}\n\n## License\n\nGPL.\n`);
  assert.equal(withBenchSection(after, TABLE), after, 'a second run with the same results changes nothing');
});

test('a README without markers gets a Benchmark section at its end', () => {
  const after = withBenchSection('# voxwire\n\nIntro.\n', TABLE);
  assert.equal(after, `# voxwire\n\nIntro.\n\n## Benchmark\n\n${START_MARKER}\n\n${TABLE}\n${END_MARKER}\n`);
});

test('markers out of order or repeated are refused rather than guessed at', () => {
  assert.throws(() => withBenchSection(`${END_MARKER}\n${START_MARKER}\n`, TABLE), /exactly one/);
  assert.throws(() => withBenchSection(`${START_MARKER}\n${END_MARKER}\n${START_MARKER}\n${END_MARKER}\n`, TABLE), /exactly one/);
});
