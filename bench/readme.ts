/**
 * The README's benchmark table is the benchmark's own output: the run rewrites what lies between two markers
 * and leaves every other line of the README as the lead wrote it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const START_MARKER = '<!-- bench:start -->';
export const END_MARKER = '<!-- bench:end -->';

/** Added at the end of a README that has no markers yet, so the first run has somewhere to write. */
const NEW_SECTION = `## Benchmark\n\n${START_MARKER}\n${END_MARKER}\n`;

/** `readme` with the text between the markers replaced by `markdown`; the section is appended if missing. */
export function withBenchSection(readme: string, markdown: string): string {
  let text = readme;
  if (!text.includes(START_MARKER)) text = `${text.replace(/\n*$/, '\n\n')}${NEW_SECTION}`;
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER, start);
  if (end < 0 || text.indexOf(START_MARKER, start + 1) >= 0) {
    throw new Error(`the README must hold exactly one ${START_MARKER} followed by one ${END_MARKER}`);
  }
  return `${text.slice(0, start + START_MARKER.length)}\n\n${markdown.trim()}\n\n${text.slice(end)}`;
}

export function updateReadme(path: string, markdown: string): void {
  writeFileSync(path, withBenchSection(readFileSync(path, 'utf8'), markdown));
}
