/**
 * Where `voxwire serve` writes its log: pino's JSON lines for machines, or, on a terminal, one readable line
 * per record (time, level, message, then the fields as key=value). A small formatter of our own instead of
 * pino-pretty: it needs a dozen lines, and pino-pretty would bring a dependency tree for them.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const LEVELS: Readonly<Record<number, { readonly name: string; readonly colour: number }>> = {
  10: { name: 'TRACE', colour: 90 },
  20: { name: 'DEBUG', colour: 36 },
  30: { name: 'INFO', colour: 32 },
  40: { name: 'WARN', colour: 33 },
  50: { name: 'ERROR', colour: 31 },
  60: { name: 'FATAL', colour: 35 },
};
/** Fields every record has, shown in the line's prefix or not at all. */
const PREFIX_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'err']);

export function createLogger(level: string, format: LogFormat, output: Output = process.stdout): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && output.isTTY === true);
  const options = { level, base: { service: 'voxwire' } };
  return pino(options, pretty ? prettyDestination(output, output.isTTY === true) : (output as DestinationStream));
}

function prettyDestination(output: Output, colour: boolean): DestinationStream {
  return {
    write(line: string) {
      output.write(`${prettyLine(line, colour)}\n`);
    },
  };
}

/** One JSON record as `HH:MM:SS.mmm LEVEL message key=value …` (and an error's stack below it). */
export function prettyLine(json: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 23) : '';
  const level = LEVELS[Number(record['level'])] ?? { name: String(record['level']), colour: 0 };
  const levelText = colour ? `\u001b[${level.colour}m${level.name.padEnd(5)}\u001b[0m` : level.name.padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !PREFIX_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = record['err'] as { stack?: unknown } | undefined;
  const stack = typeof err?.stack === 'string' ? `\n    ${err.stack.replaceAll('\n', '\n    ')}` : '';
  return `${time} ${levelText} ${String(record['msg'] ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}`;
}
