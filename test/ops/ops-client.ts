/** Helpers for the operations tests: scrape /metrics into numbers, and capture a server's log lines. */
import pino, { type Logger } from 'pino';
import { send } from '../http/http-client.js';

/** Samples of one scrape, keyed `name{label="value",…}` with labels sorted by name. */
export type Scrape = ReadonlyMap<string, number>;

export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not an exposition line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(labels.length === 0 ? match[1]! : `${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await send(baseUrl, '/metrics');
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(response.raw.toString('utf8'));
}

/** How much a sample moved between two scrapes (a sample absent before counts as 0). */
export function moved(before: Scrape, after: Scrape, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  readonly text: () => string;
}

/** A real pino logger whose JSON lines are kept for the test to read. */
export function captureLog(): CapturedLog {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines, text: () => raw.join('') };
}
