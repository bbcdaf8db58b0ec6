/**
 * Splits a run of text into engine segments. Segments are small so that the first audio of a long text
 * leaves after its first sentence, so that one request never holds an engine worker for long (others get
 * their turn between segments), and so that a slow reader pins at most one segment of audio in memory.
 * Joining the segments always gives back the input exactly: timestamps depend on it.
 */

/**
 * Longest segment in UTF-16 code units. A sentence longer than this is cut after the last whitespace that
 * keeps the piece within it, or, when none does (one token longer than a segment), hard at the limit.
 */
export const MAX_SEGMENT_CHARS = 400;

const SENTENCE_END = /[.!?;。！？；…]+["'”’)\]]*\s+/gu;
const WHITESPACE = /\s/u;

export function splitIntoSegments(text: string, maxChars: number = MAX_SEGMENT_CHARS): string[] {
  const sentences: string[] = [];
  let from = 0;
  for (const match of text.matchAll(SENTENCE_END)) {
    const to = (match.index ?? 0) + match[0].length;
    sentences.push(text.slice(from, to));
    from = to;
  }
  if (from < text.length) sentences.push(text.slice(from));
  return sentences.flatMap((sentence) => cutLongSentence(sentence, maxChars));
}

function cutLongSentence(sentence: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (sentence.length - start > maxChars) {
    pieces.push(sentence.slice(start, start + pieceLength(sentence, start, maxChars)));
    start += pieces[pieces.length - 1]!.length;
  }
  if (start < sentence.length) pieces.push(sentence.slice(start));
  return pieces;
}

/** Length of the piece starting at `start`: up to and including the last whitespace within `maxChars`. */
function pieceLength(sentence: string, start: number, maxChars: number): number {
  for (let end = start + maxChars - 1; end > start; end -= 1) {
    if (WHITESPACE.test(sentence[end]!)) return end - start + 1;
  }
  // Never split a surrogate pair: the engine would read half a character.
  return isHighSurrogate(sentence.charCodeAt(start + maxChars - 1)) ? maxChars - 1 : maxChars;
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
