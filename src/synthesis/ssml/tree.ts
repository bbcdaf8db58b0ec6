/**
 * SSML text → a small element tree, through saxes (a conforming, non-validating XML parser). Every safety
 * rule about the markup itself lives here: no DTD (so no entity can be declared, let alone expanded), only
 * the five XML entities and numeric character references (saxes knows no others), no processing
 * instructions, and hard limits on size, depth and element count that are checked while parsing, so
 * hostile input stops at the first element past a limit.
 */
import { SaxesParser } from 'saxes';
import { invalidSsml, PositionTracker, type SourcePosition } from './position.js';

export interface SsmlLimits {
  /** Deepest element nesting accepted (the root <speak> is depth 1). */
  readonly maxDepth: number;
  /** Most elements accepted in one document. */
  readonly maxElements: number;
  /** Longest `data` accepted, in UTF-8 bytes. */
  readonly maxBytes: number;
}

export const DEFAULT_SSML_LIMITS: SsmlLimits = Object.freeze({ maxDepth: 64, maxElements: 5000, maxBytes: 100 * 1024 });

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

/** Parses a whole document; returns its root element or throws InvalidSSML. */
export function parseSsmlTree(data: string, limits: SsmlLimits): SsmlElement {
  const start: SourcePosition = { line: 1, column: 1 };
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > limits.maxBytes) {
    throw invalidSsml(`SSML is ${bytes} bytes long; at most ${limits.maxBytes} are accepted`, start);
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const positions = new PositionTracker(data);
  const stack: OpenElement[] = [];
  let elementCount = 0;
  let root: SsmlElement | undefined;
  let pendingAt: SourcePosition = start;

  // saxes reports the column of the next character to read (0-based), which is the 1-based column of the
  // character it just rejected.
  parser.on('error', (error) => {
    const reason = error.message.replace(/^\d+:\d+: /, '');
    throw invalidSsml(`malformed XML: ${reason}`, { line: parser.line, column: Math.max(parser.column, 1) });
  });
  parser.on('doctype', (doctype) => {
    // The event fires after "<!DOCTYPE" + body + ">" has been read.
    throw invalidSsml('DTDs (<!DOCTYPE …>) are not accepted in SSML', positions.at(parser.position - doctype.length - 10));
  });
  parser.on('processinginstruction', (pi) => {
    throw invalidSsml(`processing instruction <?${pi.target}?> is not supported`, { line: parser.line, column: parser.column });
  });
  parser.on('opentagstart', (tag) => {
    // The parser has read "<", the name and one terminating character.
    pendingAt = positions.at(parser.position - tag.name.length - 2);
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

  parser.write(data).close();
  if (root === undefined) throw invalidSsml('no root element', start);
  return root;
}
