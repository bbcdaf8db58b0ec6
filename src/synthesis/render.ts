/**
 * Renders a request into encoded audio: the pipeline's PCM goes through the audio layer (resampler,
 * encoder, container) and its timestamps are put on the output sample grid, so that every time lies
 * within the audio that the client actually receives.
 */
import { createEncodedStream, type EncodedStream } from '../audio/encoded-stream.js';
import type { AudioFormat } from '../audio/formats.js';
import { createResampler } from '../audio/resampler.js';
import type { StreamAudioEncoder } from '../audio/stream-encoder.js';
import { SynthesisError } from './errors.js';
import { emptyAlignment, outputGrid, toOutputGrid, type Alignment } from './alignment.js';
import type { PcmChunk, PipelineVoice, PreparedSynthesis, SynthesisPipeline, SynthesisRequest } from './pipeline.js';
import type { SynthesisPlan } from './plan.js';

/**
 * Rendering (resampling, encoding, silence) done by all requests together per turn of the event loop. Engine
 * audio arrives by message, but silence, the frames a burst of engine audio releases at once and the end of a
 * request do not wait for anything: 30 s of silence at 48 kHz MP3 would hold the loop for a second. The budget
 * is shared, not per request: 20 heavy streams each yielding after 10 ms would still hold it for 200 ms.
 */
const TURN_BUDGET_MS = 10;

/** When the current turn's rendering budget runs out, and who waits for the next turn. */
let turnEndsAt = Number.NEGATIVE_INFINITY;
let nextTurnWaiters: (() => void)[] = [];

/** Resolves at once within the turn's budget; past it, after the event loop has polled for I/O again. */
function renderingTurn(): Promise<void> | undefined {
  if (performance.now() < turnEndsAt) return undefined;
  return new Promise<void>((resolve) => {
    nextTurnWaiters.push(resolve);
    if (nextTurnWaiters.length > 1) return;
    setImmediate(() => {
      const waiters = nextTurnWaiters;
      nextTurnWaiters = [];
      turnEndsAt = performance.now() + TURN_BUDGET_MS;
      for (const wake of waiters) wake();
    });
  });
}

export interface RenderedChunk {
  readonly audio: Uint8Array;
  readonly alignment: Alignment;
}

export interface RenderOptions {
  readonly format: AudioFormat;
  /** 'streaming': a WAV header with unknown sizes at the start; 'none': raw samples only. Ignored for mp3. */
  readonly header: 'none' | 'streaming';
}

export async function* renderAudio(
  pipeline: SynthesisPipeline,
  request: SynthesisRequest,
  options: RenderOptions,
): AsyncGenerator<RenderedChunk, void, undefined> {
  const prepared = request.prepared ?? pipeline.prepare(request.plan, request.voice);
  const stream: EncodedStream = await createEncodedStream({ engineRate: prepared.sampleRate, format: options.format, header: options.header });
  const grid = outputGrid(options.format);
  // Units wait here until the encoded audio holds their start: the resampler's filter and the MP3 encoder's
  // frames make the output lag the engine's audio, on which the pipeline placed them.
  const waiting = emptyAlignment();
  try {
    for await (const chunk of pipeline.run({ ...request, prepared })) {
      const turn = renderingTurn();
      if (turn !== undefined) {
        await turn;
        if (request.signal.aborted) return;
      }
      const audio = stream.push(chunk.samples);
      appendAlignment(waiting, toOutputGrid(chunk.alignment, grid));
      const alignment = takeStartingBefore(waiting, stream.emittedSamples / grid.rate);
      if (audio.length > 0 || hasUnits(alignment)) yield { audio, alignment };
    }
    if (request.signal.aborted) return;
    const tail = stream.finish();
    if (tail.length > 0 || hasUnits(waiting)) yield { audio: tail, alignment: waiting };
  } finally {
    // A cancelled or failed request never reaches finish(): its wasm memory must still be released.
    stream.dispose();
  }
}

/** Bytes a stream encoder returned, and how many samples (at the encoder's rate) it was given for them. */
export interface EncodedPiece {
  readonly audio: Uint8Array;
  readonly samples: number;
}

/**
 * Renders a request through a stream encoder (OpenAI's response formats): the engine's PCM resampled to the
 * encoder's rate and encoded, each piece yielded as soon as the codec completes a page or frame. No
 * timestamps: the formats carry none. The engine starts on the first segment while the encoder is still being
 * made (an AAC encoder starts a thread), and the encoder stays the caller's to dispose.
 */
export async function* renderEncoded(
  pipeline: SynthesisPipeline,
  request: SynthesisRequest,
  encoderMade: Promise<StreamAudioEncoder>,
): AsyncGenerator<EncodedPiece, void, undefined> {
  const prepared = request.prepared ?? pipeline.prepare(request.plan, request.voice);
  const pcm = pipeline.run({ ...request, prepared, timestamps: false });
  // Asked for ahead of its use, so a failure must count as handled even when the rendering has left by then.
  const pull = (): Promise<IteratorResult<PcmChunk, void>> => {
    const step = pcm.next();
    step.catch(() => undefined);
    return step;
  };
  try {
    let next = pull();
    const encoder = await encoderMade;
    const resampler = await createResampler(prepared.sampleRate, encoder.sampleRate);
    try {
      for (let step = await next; step.done !== true; step = await next) {
        const turn = renderingTurn();
        if (turn !== undefined) {
          await turn;
          if (request.signal.aborted) return;
        }
        const samples = resampler.process(step.value.samples);
        next = pull();
        const audio = await encoder.encode(samples);
        if (request.signal.aborted) return;
        if (audio.length > 0 || samples.length > 0) yield { audio, samples: samples.length };
      }
      if (request.signal.aborted) return;
      const tail = resampler.flush();
      const last = await encoder.encode(tail);
      const end = await encoder.flush();
      yield { audio: last.length === 0 ? end : Buffer.concat([last, end]), samples: tail.length };
    } finally {
      resampler.dispose();
    }
  } finally {
    // Stops the engine's work on a request left early (a client gone, an encoder that could not be made).
    await pcm.return();
  }
}

/**
 * Renders a whole request before anything is sent: for /synthesize, for the timestamped /stream whose header
 * must carry the complete alignment, and for `voxwire say`.
 */
export interface RenderedRequest {
  /** Encoded audio without any header: WAV sample data or whole MP3 frames. */
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly alignment: Alignment;
  /** Wall-clock seconds the rendering took. */
  readonly synthSeconds: number;
}

/**
 * Audio a whole rendering may hold (160 MiB): its base64 (for /synthesize) stays far below the longest string
 * V8 can make. The cost budget keeps every accepted request below it (about 100 MiB at most: 4,000 spoken
 * characters at half speed plus 30 s of breaks, at 48 kHz PCM_32), so only a budget gone wrong reaches it.
 */
export const MAX_WHOLE_AUDIO_BYTES = 160 * 1024 * 1024;

export interface RenderWholeOptions {
  /** Called as timestamps come in, with the number of graphemes placed so far. */
  readonly onProgress?: (graphemesDone: number) => void;
  /** Audio bytes past which the rendering stops and fails with TextTooLong (default MAX_WHOLE_AUDIO_BYTES). */
  readonly maxBytes?: number;
}

/** Renders `job` completely; resolves undefined when `signal` aborts (the client went away). */
export async function renderWhole(
  pipeline: SynthesisPipeline,
  job: { readonly plan: SynthesisPlan; readonly voice: PipelineVoice; readonly prepared?: PreparedSynthesis },
  format: AudioFormat,
  signal: AbortSignal,
  options: RenderWholeOptions = {},
): Promise<RenderedRequest | undefined> {
  const startedAt = performance.now();
  const maxBytes = options.maxBytes ?? MAX_WHOLE_AUDIO_BYTES;
  const chunks: Uint8Array[] = [];
  const alignment = emptyAlignment();
  let bytes = 0;
  // Leaving the loop by throwing ends the rendering, and with it the engine's work on this request.
  for await (const chunk of renderAudio(pipeline, { plan: job.plan, voice: job.voice, prepared: job.prepared, signal }, { format, header: 'none' })) {
    if (signal.aborted) return undefined;
    if (chunk.audio.length > 0) chunks.push(chunk.audio);
    bytes += chunk.audio.length;
    if (bytes > maxBytes) {
      throw new SynthesisError('too-long', `The audio of this request would exceed ${maxBytes} bytes; ask for less text, a lower sample rate or precision, or stream it.`, { max_audio_bytes: maxBytes });
    }
    appendAlignment(alignment, chunk.alignment);
    options.onProgress?.(alignment.graph_chars.length);
  }
  if (signal.aborted) return undefined;
  return { chunks, bytes, alignment, synthSeconds: (performance.now() - startedAt) / 1000 };
}

function hasUnits(alignment: Alignment): boolean {
  return alignment.graph_chars.length > 0 || alignment.phon_chars.length > 0;
}

function appendAlignment(target: Alignment, source: Alignment): void {
  target.graph_chars.push(...source.graph_chars);
  target.graph_times.push(...source.graph_times);
  target.phon_chars.push(...source.phon_chars);
  target.phon_times.push(...source.phon_times);
}

/** Removes from `waiting` and returns the units that start before `seconds` (starts are in order). */
function takeStartingBefore(waiting: Alignment, seconds: number): Alignment {
  const graphs = countBefore(waiting.graph_times, seconds);
  const phons = countBefore(waiting.phon_times, seconds);
  return {
    graph_chars: waiting.graph_chars.splice(0, graphs),
    graph_times: waiting.graph_times.splice(0, graphs),
    phon_chars: waiting.phon_chars.splice(0, phons),
    phon_times: waiting.phon_times.splice(0, phons),
  };
}

function countBefore(times: readonly [number, number][], seconds: number): number {
  let count = 0;
  while (count < times.length && times[count]![0] < seconds) count += 1;
  return count;
}
