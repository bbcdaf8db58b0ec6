/**
 * Splits a run of text into engine segments. Segments are small so that the first audio of a long text
 * leaves after its first sentence, so that one request never holds an engine worker for long (others get
 * their turn between segments), and so that a slow reader pins at most one segment of audio in memory.
 * Joining the segments always gives back the input exactly: timestamps depend on it.
 */

/** Longest segment in characters; a sentence longer than this is cut at a space (or hard, as a last resort). */
export const MAX_SEGMENT_CHARS = 400;

const SENTENCE_END = /[.!?;。！？；…]+["'”’)\]]*\s+/gu;

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
  let rest = sentence;
  while (rest.length > maxChars) {
    let cut = rest.lastIndexOf(' ', maxChars);
    if (cut <= 0) cut = maxChars;
    // Never split a surrogate pair: the engine would read half a character.
    if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut -= 1;
    pieces.push(rest.slice(0, cut + (rest[cut] === ' ' ? 1 : 0)));
    rest = rest.slice(pieces[pieces.length - 1]!.length);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
