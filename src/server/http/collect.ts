/**
 * Renders a whole request before anything is sent: for /synthesize, and for the timestamped /stream whose
 * header must carry the complete alignment.
 */
import { emptyAlignment, type Alignment } from '../../synthesis/alignment.js';
import { renderAudio } from '../../synthesis/render.js';
import type { AudioFormat } from '../../audio/formats.js';
import type { SpeechJob } from '../../protocol/speech-job.js';
import type { SynthesisPipeline } from '../../synthesis/pipeline.js';

export interface RenderedRequest {
  /** Encoded audio without any header: WAV sample data or whole MP3 frames. */
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly alignment: Alignment;
  /** Wall-clock seconds the rendering took. */
  readonly synthSeconds: number;
}

/** Renders `job` completely; resolves undefined when `signal` aborts (the client went away). */
export async function renderWhole(
  pipeline: SynthesisPipeline,
  job: SpeechJob,
  format: AudioFormat,
  signal: AbortSignal,
  onProgress?: (graphemesDone: number) => void,
): Promise<RenderedRequest | undefined> {
  const startedAt = performance.now();
  const chunks: Uint8Array[] = [];
  const alignment = emptyAlignment();
  let bytes = 0;
  for await (const chunk of renderAudio(pipeline, { plan: job.plan, voice: job.voice, signal }, { format, header: 'none' })) {
    if (signal.aborted) return undefined;
    if (chunk.audio.length > 0) chunks.push(chunk.audio);
    bytes += chunk.audio.length;
    alignment.graph_chars.push(...chunk.alignment.graph_chars);
    alignment.graph_times.push(...chunk.alignment.graph_times);
    alignment.phon_chars.push(...chunk.alignment.phon_chars);
    alignment.phon_times.push(...chunk.alignment.phon_times);
    onProgress?.(alignment.graph_chars.length);
  }
  if (signal.aborted) return undefined;
  return { chunks, bytes, alignment, synthSeconds: (performance.now() - startedAt) / 1000 };
}
