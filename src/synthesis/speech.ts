/**
 * What the transport asks of synthesis, in one place: a request's audio as a stream of encoded chunks with
 * their timestamps, as a whole file, or as a timestamped WAV, with the content type and the seconds of audio
 * the bytes hold. Behind it lie the pipeline, the renderer and the audio layer's encoders and containers,
 * which the transport never imports (test/architecture/layers.ts holds it to that).
 */
import { carriesCues, contentType, timestampedWavHeader, wholeFileHeader } from '../audio/container.js';
import { AudioSeconds, chunksDuration } from '../audio/duration.js';
import type { AudioFormat } from '../audio/formats.js';
import { createStreamEncoder, type StreamFormat } from '../audio/stream-encoder.js';
import { alignmentCues, type Alignment } from './alignment.js';
import type { PipelineVoice, PreparedSynthesis, SynthesisPipeline } from './pipeline.js';
import type { SynthesisPlan } from './plan.js';
import { renderAudio, renderEncoded, renderWhole, type EncodedPiece, type RenderedChunk, type RenderWholeOptions } from './render.js';

export type { EncodedPiece, RenderedChunk } from './render.js';
export type { StreamFormat } from '../audio/stream-encoder.js';
export type { SynthesisPipeline } from './pipeline.js';
export { AudioSeconds, contentType };
export { TextStream } from './text-stream.js';
/** Whether a format can carry timestamps inside the file (`wav_encoded_timestamps`). */
export const carriesTimestamps = carriesCues;

/** A request ready to be spoken, as the protocol resolved it. */
export interface SpeakableJob {
  readonly plan: SynthesisPlan;
  readonly voice: PipelineVoice;
  readonly prepared?: PreparedSynthesis;
}

export interface StreamOptions {
  readonly format: AudioFormat;
  /** 'streaming': a WAV header with unknown sizes before the first sample; 'none': samples only. */
  readonly header: 'none' | 'streaming';
  /** False when the client receives no timestamps: audio then never waits for one. */
  readonly timestamps: boolean;
  readonly signal: AbortSignal;
  /** Plans that follow the job's on one timeline, as a streamed request's text arrives (protocol.md section 7). */
  readonly continuation?: AsyncIterable<SynthesisPlan>;
}

/** Encoded chunks as soon as they exist, each with the timestamps that start in it. */
export function streamSpeech(pipeline: SynthesisPipeline, job: SpeakableJob, options: StreamOptions): AsyncGenerator<RenderedChunk, void, undefined> {
  const { format, header, timestamps, signal, continuation } = options;
  const request = { plan: job.plan, voice: job.voice, prepared: job.prepared, signal, timestamps, ...(continuation === undefined ? {} : { continuation }) };
  return renderAudio(pipeline, request, { format, header });
}

/** A request's audio in one of the stream encoders' formats (OpenAI's response formats): no timestamps. */
export interface EncodedSpeech {
  /** The format's content type, once its encoder is made (rejects when it cannot be). */
  readonly contentType: Promise<string>;
  /** The encoded pieces as the codec completes pages or frames; the engine starts while the encoder is made. */
  readonly pieces: AsyncGenerator<EncodedPiece, void, undefined>;
  /** Frees the encoder: call once, when the pieces are done with or were never read. */
  dispose(): Promise<void>;
}

export function speakEncoded(pipeline: SynthesisPipeline, job: SpeakableJob, format: StreamFormat, sampleRate: number, signal: AbortSignal): EncodedSpeech {
  const encoder = createStreamEncoder(format, sampleRate);
  // Awaited in the rendering; a failure before that must not become an unhandled rejection.
  encoder.catch(() => undefined);
  return {
    contentType: encoder.then((made) => made.contentType),
    pieces: renderEncoded(pipeline, { plan: job.plan, voice: job.voice, prepared: job.prepared, signal }, encoder),
    dispose: () =>
      encoder.then(
        (made) => made.dispose(),
        () => undefined,
      ),
  };
}

/** A whole rendering, in its container. */
export interface SpokenFile {
  /** The container's header, before the audio; none for MP3. */
  readonly header: Uint8Array | undefined;
  /** The encoded audio as it was rendered, never joined. */
  readonly audio: readonly Uint8Array[];
  /** Seconds of audio in the file. */
  readonly seconds: number;
  readonly alignment: Alignment;
  /** Wall-clock seconds the rendering took. */
  readonly synthSeconds: number;
}

/** The complete file (for /synthesize and `voxwire say`); undefined when `signal` aborted it. */
export async function speakWhole(
  pipeline: SynthesisPipeline,
  job: SpeakableJob,
  format: AudioFormat,
  signal: AbortSignal,
  options: RenderWholeOptions = {},
): Promise<SpokenFile | undefined> {
  const rendered = await renderWhole(pipeline, job, format, signal, options);
  if (rendered === undefined) return undefined;
  const seconds = chunksDuration(format, rendered.chunks);
  return { header: wholeFileHeader(format, rendered.bytes), audio: rendered.chunks, seconds, alignment: rendered.alignment, synthSeconds: rendered.synthSeconds };
}

/** A WAV whose cue/ltxt chunks carry the whole alignment before the data (`wav_encoded_timestamps`). */
export async function speakTimestampedWav(pipeline: SynthesisPipeline, job: SpeakableJob, format: AudioFormat, signal: AbortSignal): Promise<(SpokenFile & { readonly header: Uint8Array }) | undefined> {
  const rendered = await renderWhole(pipeline, job, format, signal);
  if (rendered === undefined) return undefined;
  const header = timestampedWavHeader(format, alignmentCues(rendered.alignment, format.sampleRate));
  return { header, audio: rendered.chunks, seconds: chunksDuration(format, rendered.chunks), alignment: rendered.alignment, synthSeconds: rendered.synthSeconds };
}

/** A file's bytes in order: its header, then its audio. */
export function fileParts(file: SpokenFile): readonly Uint8Array[] {
  return file.header === undefined ? file.audio : [file.header, ...file.audio];
}
