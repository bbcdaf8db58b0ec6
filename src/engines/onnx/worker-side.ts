/** Helpers of the neural engines' worker threads (the pool's side is pool.ts). */
import type { SessionOptions } from './session.js';
import type { NeuralRuntimeSettings } from './voices.js';

/** The session options of the runtime settings a job carries. */
export function sessionOptions(runtime: NeuralRuntimeSettings): SessionOptions {
  return { intraOpThreads: runtime.intraOpThreads, executionProviders: runtime.executionProviders };
}

/**
 * Speaks a job's sentences one inference at a time, so the first sentence's audio leaves before the next is
 * synthesized; stops at the first sentence that reports a cancelled job.
 */
export async function speakSentences<Sentence>(
  sentences: readonly Sentence[],
  cancelled: () => boolean,
  speak: (sentence: Sentence) => Promise<boolean>,
): Promise<void> {
  for (const sentence of sentences) {
    if (cancelled() || !(await speak(sentence))) return;
  }
}
