/**
 * Where in the request's `data` something went wrong, and the one way this folder reports it: an
 * 'invalid-markup' SynthesisError (InvalidSSML on the wire) carrying 1-based `line` and `column` (columns
 * count code points, as an editor shows them, and as saxes counts them).
 */
import { SynthesisError } from '../errors.js';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Turns string indices into line/column. Elements arrive in document order, so the tracker walks forward
 * from the last index it was asked about: positions for a whole document cost one pass, not one per element.
 */
export class PositionTracker {
  private index = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly data: string) {}

  at(target: number): SourcePosition {
    const end = Math.min(Math.max(target, 0), this.data.length);
    if (end < this.index) {
      this.index = 0;
      this.line = 1;
      this.column = 1;
    }
    for (; this.index < end; this.index += 1) {
      const code = this.data.charCodeAt(this.index);
      if (code === 10) {
        this.line += 1;
        this.column = 1;
      } else if (code < 0xdc00 || code > 0xdfff) {
        // A low surrogate finishes a code point its high surrogate already counted.
        this.column += 1;
      }
    }
    return { line: this.line, column: this.column };
  }
}

export function invalidSsml(message: string, at: SourcePosition): SynthesisError {
  return new SynthesisError('invalid-markup', `${message} (line ${at.line}, column ${at.column})`, {
    line: at.line,
    column: at.column,
  });
}
