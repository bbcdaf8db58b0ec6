/**
 * Joining the clauses of a streamed request (protocol.md section 7) so they sound like one utterance. An
 * engine speaks each clause as an utterance of its own, with silence before and after it; where the clauses
 * meet inside a sentence (at a comma, or where the text was cut at a word), the pause should be the one the
 * punctuation asks for, not two utterance edges back to back. So a clause that continues a sentence loses its
 * leading silence: what is left at the join is the previous clause's trailing pause, about what the engine
 * makes for a comma. Between sentences both edges stay, as they do between the segments of one request.
 */
import type { EngineChunk } from '../engines/engine.js';

/** Leading silence a clause that continues a sentence may lose; more than this is a pause meant as such. */
export const MAX_JOIN_TRIM_SECONDS = 0.5;
/** A sample this close to zero is silence (about -54 dBFS). */
const SILENCE_LEVEL = 64;
/** Written text that ends a sentence: the next clause starts a new one. */
const SENTENCE_END = /[.!?。！？…]["'”’)\]]*\s*$/u;

/** Whether a clause that follows `previous` continues its sentence (and so loses its leading silence). */
export function continuesSentence(previous: string): boolean {
  return previous.trim() !== '' && !SENTENCE_END.test(previous);
}

/**
 * The engine's chunks without the silence they start with (at most `maxSamples` of it). Word and phoneme
 * events are moved back by what was dropped, and those reported with dropped audio go with the first audio
 * kept, so the aligner sees one segment that simply starts later in the audio.
 */
export async function* withoutLeadingSilence(chunks: AsyncIterable<EngineChunk>, maxSamples: number): AsyncGenerator<EngineChunk, void, undefined> {
  let dropped = 0;
  let trimming = true;
  const held: EngineChunk[] = [];
  for await (const chunk of chunks) {
    if (!trimming) {
      yield dropped === 0 ? chunk : shifted(chunk, dropped);
      continue;
    }
    const sound = firstSound(chunk.samples, maxSamples - dropped);
    if (sound === chunk.samples.length) {
      held.push(chunk);
      dropped += sound;
      continue;
    }
    trimming = false;
    dropped += sound;
    const events = [...held, chunk];
    yield shifted({ samples: chunk.samples.subarray(sound), words: events.flatMap((each) => each.words), phonemes: events.flatMap((each) => each.phonemes) }, dropped);
  }
  // A clause that is silence from end to end keeps nothing of it, but its events still reach the aligner.
  if (trimming && held.length > 0) yield shifted({ samples: new Int16Array(0), words: held.flatMap((each) => each.words), phonemes: held.flatMap((each) => each.phonemes) }, dropped);
}

/** Index of the first sample louder than silence, within `limit` samples; `samples.length` when none is. */
function firstSound(samples: Int16Array, limit: number): number {
  const end = Math.min(samples.length, Math.max(0, limit));
  for (let i = 0; i < end; i += 1) if (samples[i]! > SILENCE_LEVEL || samples[i]! < -SILENCE_LEVEL) return i;
  return end === samples.length ? samples.length : end;
}

function shifted(chunk: EngineChunk, by: number): EngineChunk {
  return {
    samples: chunk.samples,
    words: chunk.words.map((word) => ({ ...word, sample: Math.max(0, word.sample - by) })),
    phonemes: chunk.phonemes.map((phoneme) => ({ ...phoneme, sample: Math.max(0, phoneme.sample - by) })),
  };
}
