/**
 * SSML text → a small element tree, through saxes (a conforming, non-validating XML parser). Every safety
 * rule about the markup itself lives here: no DTD (so no entity can be declared, let alone expanded), only
 * the five XML entities and numeric character references (saxes knows no others), no processing
 * instructions inside the root (before and after it they are ignored, as XML allows), and hard limits on
 * size, depth and element count that are checked while parsing, so hostile input stops at the first element
 * past a limit. Parsing costs one pass over the text: every handler does constant work per event.
 */
import { SaxesParser } from 'saxes';
import { SynthesisError } from '../errors.js';
import { invalidSsml, PositionTracker, type SourcePosition } from './position.js';

export interface SsmlLimits {
  /** Deepest element nesting accepted (the root <speak> is depth 1). */
  readonly maxDepth: number;
  /** Most elements accepted in one document. */
  readonly maxElements: number;
  /** Longest `data` accepted, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Most silence the document's pauses (<break>, paragraph pauses) may add up to, in seconds. */
  readonly maxSilenceSeconds: number;
}

/**
 * 64 KiB of source: the longest written text a request may have (3,000 characters, at most 12 KB of UTF-8)
 * leaves over 50 KB for markup, about 17 bytes of tags per written character, several times what real SSML
 * (a tag around a word or phrase) uses. Twice that would only be room for a bomb. 5,000 elements fit in it
 * when they are short. 30 s of silence is the contract's ("What one request may cost").
 */
export const DEFAULT_SSML_LIMITS: SsmlLimits = Object.freeze({ maxDepth: 64, maxElements: 5000, maxBytes: 64 * 1024, maxSilenceSeconds: 30 });

export interface SsmlText {
  readonly kind: 'text';
  readonly text: string;
}

export interface SsmlElement {
  readonly kind: 'element';
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Where the element's `<` stands, for error messages. */
  readonly at: SourcePosition;
  readonly children: readonly SsmlNode[];
}

export type SsmlNode = SsmlText | SsmlElement;

interface OpenElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly at: SourcePosition;
  readonly children: SsmlNode[];
}

/** A byte-order mark and whitespace before the document: the contract allows them, XML does not before `<?xml`. */
const LEADING = /^\uFEFF?[ \t\n\r]*/;

/**
 * Parses a whole document; returns its root element or throws InvalidSSML (TextTooLong when the source
 * is over `limits.maxBytes`: the remedy is the same as for too much text, send less in one request).
 */
export function parseSsmlTree(data: string, limits: SsmlLimits): SsmlElement {
  const start: SourcePosition = { line: 1, column: 1 };
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > limits.maxBytes) {
    throw new SynthesisError('too-long', `SSML \`data\` is ${bytes} bytes long; at most ${limits.maxBytes} are accepted.`, {
      bytes,
      max_bytes: limits.maxBytes,
    });
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const positions = new PositionTracker(data);
  // saxes reads the text after the leading mark and whitespace; its positions are shifted back onto `data`.
  const skipped = LEADING.exec(data)?.[0].length ?? 0;
  const origin = positions.at(skipped);
  const shifted = (line: number, column: number): SourcePosition =>
    line === 1 ? { line: origin.line, column: origin.column + column - 1 } : { line: origin.line + line - 1, column };
  const stack: OpenElement[] = [];
  let elementCount = 0;
  let root: SsmlElement | undefined;
  let pendingAt: SourcePosition = start;

  // saxes reports the column of the next character to read (0-based), which is the 1-based column of the
  // character it just rejected.
  parser.on('error', (error) => {
    const reason = error.message.replace(/^\d+:\d+: /, '');
    throw invalidSsml(`malformed XML: ${reason}`, shifted(parser.line, Math.max(parser.column, 1)));
  });
  parser.on('doctype', (doctype) => {
    // The event fires after "<!DOCTYPE" + body + ">" has been read.
    throw invalidSsml('DTDs (<!DOCTYPE …>) are not accepted in SSML', positions.at(skipped + parser.position - doctype.length - 10));
  });
  parser.on('processinginstruction', (pi) => {
    if (stack.length === 0) return;
    throw invalidSsml(`processing instruction <?${pi.target}?> is not supported`, shifted(parser.line, parser.column));
  });
  parser.on('opentagstart', (tag) => {
    // The parser has read "<", the name and one terminating character.
    pendingAt = positions.at(skipped + parser.position - tag.name.length - 2);
    elementCount += 1;
    if (elementCount > limits.maxElements) {
      throw invalidSsml(`too many elements: at most ${limits.maxElements} are accepted`, pendingAt);
    }
    if (stack.length + 1 > limits.maxDepth) {
      throw invalidSsml(`elements nested too deeply: at most ${limits.maxDepth} levels are accepted`, pendingAt);
    }
  });
  parser.on('opentag', (tag) => {
    stack.push({ name: tag.name, attributes: { ...tag.attributes }, at: pendingAt, children: [] });
  });
  parser.on('closetag', () => {
    const open = stack.pop();
    if (open === undefined) return;
    const element: SsmlElement = { kind: 'element', ...open };
    const parent = stack[stack.length - 1];
    if (parent === undefined) root = element;
    else parent.children.push(element);
  });
  const addText = (text: string): void => {
    const parent = stack[stack.length - 1];
    // Text outside the root is the XML prolog/epilog (whitespace only, or saxes refuses it): not content.
    if (parent === undefined || text.length === 0) return;
    const last = parent.children[parent.children.length - 1];
    if (last?.kind === 'text') parent.children[parent.children.length - 1] = { kind: 'text', text: last.text + text };
    else parent.children.push({ kind: 'text', text });
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  parser.write(skipped === 0 ? data : data.slice(skipped)).close();
  if (root === undefined) throw invalidSsml('no root element', start);
  return root;
}
