/**
 * One WebSocket on `/stream`: requests are validated as they arrive, queued, and answered strictly in
 * arrival order, never interleaved (protocol.md section 1). The request after the one being sent starts
 * synthesizing early into a bounded buffer. Sending waits whenever the socket's outgoing buffer is full,
 * so a slow reader slows its own synthesis instead of growing the server's memory.
 */
import type { WebSocket } from 'ws';
import { errorFrame, audioEndFrame, audioFrame } from '../protocol/frames.js';
import { VoxwireError, catalogueError } from '../protocol/errors.js';
import { RequestError, RequestIdCounter, WEBSOCKET_TEXT_LIMIT, type RequestId, type StreamRequest } from '../protocol/stream-request.js';
import { notOpenStream, parseClientFrame, TEXT_STREAM_IDLE_SECONDS, TEXT_STREAM_LIMIT, type ClientMessage } from '../protocol/extensions.js';
import { resolveSpeech, resolveStreamedSpeech, voiceNotFound, type SpeechJob } from '../protocol/speech-job.js';
import { AudioSeconds, streamSpeech, TextStream, type RenderedChunk } from '../synthesis/speech.js';
import type { RequestRecord } from './metrics.js';
import { Prefetcher } from './prefetch.js';
import type { ServerContext } from './context.js';
import type { Principal } from '../keys/verifier.js';

/** Answers (requests and errors) that may wait on one socket (protocol.md: QueueFull, ours: 64). */
export const MAX_QUEUED_REQUESTS = 64;
/** Largest incoming frame (protocol.md: MessageTooLarge). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Outgoing bytes the socket may hold before synthesis for it waits. */
export const SOCKET_HIGH_WATER_BYTES = 256 * 1024;
/** Rendered chunks the next request may synthesize ahead (about 2 s of audio). */
const PREFETCH_CHUNKS = 8;
/**
 * Answers (errors included) one socket may hold before the server stops reading from it, so a client that
 * sends faster than it reads is slowed by TCP instead of growing the queue without bound.
 */
export const MAX_HELD_ANSWERS = 1024;

type SpeechEntry = QueueEntry & { kind: 'speech' };

/** What `answer` gets instead of a chunk when the request is cancelled while it waits. */
const CANCELLED = Symbol('cancelled');

type QueueEntry =
  | {
      readonly kind: 'speech';
      readonly request: StreamRequest;
      readonly job: SpeechJob;
      readonly abort: AbortController;
      /** performance.now() when the frame arrived: first audio is timed from here, as the client times it. */
      readonly receivedAt: number;
      /** The text of a streamed request (`text_stream: true`), fed by its `text` messages. */
      readonly text?: TextStream;
      /** Ended by a `cancel` message: its terminal frame says so, in its turn. */
      cancelled?: boolean;
      started?: Prefetcher<RenderedChunk>;
    }
  | { readonly kind: 'error'; readonly error: VoxwireError; readonly requestId: RequestId | undefined; readonly request?: StreamRequest };

export class StreamSession {
  private readonly ids = new RequestIdCounter();
  private readonly queue: QueueEntry[] = [];
  private running = false;
  private closed = false;
  private accepting = true;
  private sent = 0;
  private current: QueueEntry | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: ServerContext,
    private readonly principal: Principal,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('close', () => this.onClose());
  }

  /** Requests accepted and not finished (the one being sent included). */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** Requests accepted and waiting behind the one being answered. */
  get queued(): number {
    return this.queue.length;
  }

  /** Frames handed to the socket so far (the heartbeat's sign of life while reading is paused). */
  get framesSent(): number {
    return this.sent;
  }

  /** Outgoing bytes queued in this socket and not yet written to the network. */
  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  /**
   * Shutdown: frames that arrive from now on are not read; accepted requests still finish. A streamed request
   * can receive no more text, so it speaks what it holds and ends.
   */
  stopAccepting(): void {
    this.accepting = false;
    this.socket.pause();
    for (const entry of this.speechEntries()) entry.text?.end();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed || !this.accepting) return;
    const receivedAt = performance.now();
    if (data.length > MAX_FRAME_BYTES) {
      this.fail(new VoxwireError('MessageTooLarge', `Frames may hold at most ${MAX_FRAME_BYTES} bytes; this one held ${data.length}.`, { max_bytes: MAX_FRAME_BYTES }));
      return;
    }
    if (isBinary) {
      this.enqueue({ kind: 'error', error: new VoxwireError('BadJSON', 'Binary frames are not requests: send a JSON text frame.', { explanation: 'send {"voice_uuid": "…", "data": "…"} as a text frame' }), requestId: undefined });
      return;
    }
    let message: ClientMessage;
    try {
      message = parseClientFrame(data.toString('utf8'), this.ids);
    } catch (error) {
      if (error instanceof RequestError) this.enqueue({ kind: 'error', error: error.error, requestId: error.requestId });
      else this.enqueue({ kind: 'error', error: this.internalError(error), requestId: undefined });
      return;
    }
    if (message.kind !== 'request') {
      this.onExtension(message);
      return;
    }
    const { request } = message;
    // Every waiting answer counts, errors included: a flood of bad frames fills the queue as requests do, and
    // past it a frame costs only its JSON parse, not the parse of its SSML.
    if (this.queue.length >= MAX_QUEUED_REQUESTS) {
      this.enqueue({ kind: 'error', error: new VoxwireError('QueueFull', `At most ${MAX_QUEUED_REQUESTS} answers, errors included, may wait on one socket.`, { max_queued: MAX_QUEUED_REQUESTS }), requestId: request.requestId, request });
      return;
    }
    try {
      if (request.textStream && this.openStream(request.requestId) !== undefined) {
        throw new VoxwireError('InvalidRequest', `Request ${JSON.stringify(request.requestId)} is already an open streamed request: choose another id, or end it with text_end first.`, {
          field: 'request_id',
          allowed: ['an id that no open streamed request of this socket has'],
        });
      }
      const abort = new AbortController();
      if (!request.textStream) {
        const job = resolveSpeech(request, WEBSOCKET_TEXT_LIMIT, this.context.voices, this.context.pipeline);
        this.enqueue({ kind: 'speech', request, job, abort, receivedAt });
        return;
      }
      const job = resolveStreamedSpeech(request, this.context.voices, this.context.pipeline);
      const text = new TextStream({ maxChars: TEXT_STREAM_LIMIT, idleMs: this.context.textStreamIdleMs ?? TEXT_STREAM_IDLE_SECONDS * 1000, signal: abort.signal });
      text.append(request.data);
      this.enqueue({ kind: 'speech', request, job, abort, receivedAt, text });
    } catch (error) {
      this.enqueue({ kind: 'error', error: catalogueError(error) ?? this.internalError(error), requestId: request.requestId, request });
    }
  }

  /** cancel, text, flush, text_end (protocol.md section 7): they act at once, on requests already accepted. */
  private onExtension(message: Exclude<ClientMessage, { kind: 'request' }>): void {
    if (message.kind === 'cancel') {
      for (const entry of this.speechEntries()) if (message.requestId === undefined || entry.request.requestId === message.requestId) this.cancel(entry);
      return;
    }
    const text = this.openStream(message.requestId);
    if (text === undefined) this.enqueue({ kind: 'error', error: notOpenStream(message.kind, message.requestId), requestId: message.requestId });
    else if (message.kind === 'text') text.append(message.data);
    else if (message.kind === 'flush') text.flush();
    else text.end();
  }

  /** Stops a request's work (the engine's job with it) and drops its audio not yet handed to the socket. */
  private cancel(entry: SpeechEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    entry.abort.abort();
    entry.started?.return().catch((error: unknown) => this.context.log.error({ err: error }, 'cancelling a request failed'));
  }

  /** The speech requests not ended yet, the one being answered first. */
  private speechEntries(): SpeechEntry[] {
    const entries = this.current ? [this.current, ...this.queue] : this.queue;
    return entries.filter((entry): entry is SpeechEntry => entry.kind === 'speech');
  }

  /** The text of the open streamed request with this id, if there is one. */
  private openStream(requestId: RequestId): TextStream | undefined {
    return this.speechEntries().find((entry) => entry.request.requestId === requestId && entry.text?.open === true)?.text;
  }

  private enqueue(entry: QueueEntry): void {
    this.queue.push(entry);
    if (this.queue.length >= MAX_HELD_ANSWERS) this.socket.pause();
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed) {
        const entry = this.queue.shift();
        if (entry === undefined) break;
        if (this.accepting && this.socket.isPaused && this.queue.length <= MAX_HELD_ANSWERS / 2) this.socket.resume();
        this.current = entry;
        if (entry.kind === 'error') {
          const sent = await this.send(errorFrame(entry.error, entry.requestId));
          this.finished(entry.requestId, entry.request, undefined, { endpoint: 'ws_stream', outcome: sent ? entry.error.errorName : this.lostOutcome(), audioSeconds: 0, elapsedSeconds: 0 });
        } else await this.answer(entry);
        this.current = undefined;
      }
    } catch (error) {
      if (!this.closed) this.context.log.error({ err: error }, 'stream session failed');
      this.socket.terminate();
    } finally {
      this.current = undefined;
      this.running = false;
    }
  }

  private async answer(entry: SpeechEntry): Promise<void> {
    const { request } = entry;
    const startedAt = entry.receivedAt;
    let firstAudioMs: number | undefined;
    let outcome = 'ok';
    let terminalSent = false;
    const audio = new AudioSeconds(request.audio, !request.noAudioHeader);
    // Checked again as the request starts: a voice deleted while it waited behind others is gone for it too.
    const voiceGone = !entry.cancelled && this.context.voices.find(request.voiceUuid) === undefined;
    if (voiceGone) entry.abort.abort();
    const chunks = entry.cancelled || voiceGone ? undefined : (entry.started ??= this.start(entry));
    // A cancel must not wait for the engine's next chunk nor for a slow reader's socket to drain.
    const cancelled = new Promise<typeof CANCELLED>((resolve) => {
      if (entry.abort.signal.aborted) resolve(CANCELLED);
      else entry.abort.signal.addEventListener('abort', () => resolve(CANCELLED), { once: true });
    });
    try {
      if (voiceGone) {
        await entry.started?.return();
        throw voiceNotFound(request.voiceUuid);
      }
      while (chunks !== undefined) {
        const next = await Promise.race([chunks.next(), cancelled]);
        // A chunk that was ready when the cancel was read is dropped too: nothing of it goes out after the cancel.
        if (next === CANCELLED || next.done === true || entry.cancelled) break;
        const chunk = next.value;
        this.startNext();
        if (firstAudioMs === undefined && chunk.audio.length > 0) firstAudioMs = performance.now() - startedAt;
        if (request.binaryResponse) {
          if (chunk.audio.length > 0) await Promise.race([this.send(chunk.audio), cancelled]);
        } else {
          await Promise.race([this.send(audioFrame(chunk.audio, chunk.alignment, request.audio.sampleRate, request.requestId)), cancelled]);
        }
        audio.add(chunk.audio);
        if (this.closed) return;
      }
      if (this.closed) return;
      if (entry.cancelled) outcome = 'cancelled';
      terminalSent = await this.send(audioEndFrame(request.requestId, entry.cancelled));
    } catch (error) {
      if (this.closed) return;
      const failure = catalogueError(error) ?? this.internalError(error);
      if (failure.cause !== undefined) this.context.log.error({ err: failure.cause, request_id: request.requestId }, 'synthesis failed');
      outcome = failure.errorName;
      terminalSent = await this.send(errorFrame(failure, request.requestId));
    } finally {
      // A streamed request ends here whatever ended it: its idle timer goes, and later text for it is refused.
      entry.text?.end();
      this.finished(request.requestId, request, entry.text?.characters ?? entry.job.characters, {
        endpoint: 'ws_stream',
        // A request whose audio_end or error never reached the socket did not end `ok`, whatever it got to.
        outcome: terminalSent ? outcome : this.lostOutcome(),
        ...(firstAudioMs === undefined ? {} : { firstAudioSeconds: firstAudioMs / 1000 }),
        audioSeconds: audio.seconds,
        elapsedSeconds: (performance.now() - startedAt) / 1000,
      });
    }
  }

  /** A request's one log line and its metrics, whether it was answered, refused or abandoned. */
  private finished(requestId: RequestId | undefined, request: StreamRequest | undefined, chars: number | undefined, record: RequestRecord): void {
    this.context.metrics.request(record);
    this.context.log.info(
      {
        request_id: requestId ?? null,
        key: this.principal.name,
        voice: request?.voiceUuid ?? null,
        chars: chars ?? null,
        format: request?.audio.format ?? null,
        sample_rate: request?.audio.sampleRate ?? null,
        first_audio_ms: record.firstAudioSeconds === undefined ? null : Math.round(record.firstAudioSeconds * 10_000) / 10,
        audio_seconds: Math.round(record.audioSeconds * 1000) / 1000,
        duration_ms: Math.round(record.elapsedSeconds * 1000),
        outcome: record.outcome,
      },
      'stream request',
    );
  }

  /** Starts the next queued speech request early, so its audio is ready when the current one ends. */
  private startNext(): void {
    const next = this.queue.find((entry): entry is SpeechEntry => entry.kind === 'speech' && entry.cancelled !== true);
    if (next !== undefined && next.started === undefined) next.started = this.start(next);
  }

  private start(entry: SpeechEntry): Prefetcher<RenderedChunk> {
    const { request, job, abort, text } = entry;
    const rendered = streamSpeech(this.context.pipeline, job, {
      format: request.audio,
      header: request.noAudioHeader ? 'none' : 'streaming',
      timestamps: !request.binaryResponse,
      signal: abort.signal,
      ...(text === undefined ? {} : { continuation: text.plans() }),
    });
    return new Prefetcher(rendered, PREFETCH_CHUNKS);
  }

  /**
   * Sends a frame; waits while the socket holds more than the high-water mark. False when the socket is no
   * longer open (closed by the client, or by the server's shutdown), so the frame went nowhere.
   */
  private async send(frame: string | Uint8Array): Promise<boolean> {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    this.sent += 1;
    await new Promise<void>((resolve) => {
      this.socket.send(frame, { binary: typeof frame !== 'string' }, () => resolve());
      if (this.socket.bufferedAmount <= SOCKET_HIGH_WATER_BYTES) resolve();
    });
    return true;
  }

  /** The outcome of a request whose terminal frame could not be sent: the server's drain, or the client gone. */
  private lostOutcome(): string {
    return this.accepting ? 'client_closed' : 'shutdown';
  }

  /** An error that ends the connection: one error frame, then the close code of the catalogue. */
  private fail(error: VoxwireError): void {
    this.context.metrics.error(error.errorName);
    if (this.socket.readyState === this.socket.OPEN) {
      this.socket.send(errorFrame(error));
      this.socket.close(error.closeCode ?? 1011, error.errorName);
    }
    this.onClose();
  }

  /** A failure outside the catalogue is a bug of ours: logged in full here, reported to the client plainly. */
  private internalError(error: unknown): VoxwireError {
    this.context.log.error({ err: error }, 'unexpected failure in a stream request');
    return new VoxwireError('SynthesisFailure', 'The server failed on this request.');
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const entries = this.current ? [this.current, ...this.queue] : [...this.queue];
    for (const entry of entries) {
      if (entry.kind === 'speech') {
        entry.abort.abort();
        entry.started?.return().catch((error: unknown) => this.context.log.error({ err: error }, 'abandoning a request failed'));
      }
    }
    // The current request logs itself as it unwinds; those still queued would otherwise leave no line at all.
    for (const entry of this.queue) {
      const speech = entry.kind === 'speech' ? entry : undefined;
      this.finished(speech?.request.requestId ?? (entry.kind === 'error' ? entry.requestId : undefined), entry.request, speech?.job.characters, {
        endpoint: 'ws_stream',
        outcome: this.lostOutcome(),
        audioSeconds: 0,
        elapsedSeconds: speech === undefined ? 0 : (performance.now() - speech.receivedAt) / 1000,
      });
    }
    this.queue.length = 0;
  }
}
