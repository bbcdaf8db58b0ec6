/**
 * The WebSocket side of the client (protocol.md sections 1 and 7): one socket to `/stream`, any number of
 * requests pipelined on it, each answered into its own Speech. The server answers in the order requests
 * arrived, so binary frames (which carry no id) belong to the oldest request still open; JSON frames are routed
 * by `request_id`, which the client gives every request (unique for the client's life, across reconnects).
 *
 * When the connection drops, the requests that had received something cannot be resumed and fail with
 * ConnectionLostError; those that had received nothing are sent again on a new connection, after a backoff.
 * An error that ends the connection (Unauthorized, ConcurrencyLimitExceeded, MessageTooLarge) fails every
 * open request with that error and is not retried: retrying would meet it again.
 */
import type { ExtensionMessage, RequestId, ServerMessage, StreamRequestFrame } from '../protocol/wire.js';
import { CONNECTION_ERRORS, ConnectionLostError, VoxwireApiError } from './errors.js';
import { Speech, SpeechFeed, type AudioShape } from './speech.js';
import { decodeBase64, openSocket, SOCKET_OPEN, streamUrl, type ClientSocket } from './transport.js';

export interface ReconnectOptions {
  /** Connection attempts after a drop before the waiting requests fail (default 5). */
  readonly attempts?: number;
  /** Delay before the first attempt; each further one doubles it (default 200 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface ClientOptions {
  /** The server: `http://127.0.0.1:8080` or `ws://127.0.0.1:8080/stream`. */
  readonly url: string;
  readonly apiKey?: string;
  /**
   * Where the key goes: `header` (`Authorization: Bearer`, only where the WebSocket can send headers: Node's
   * `ws`) or `query` (`?api_key=`, what browsers can do). Default: header where possible.
   */
  readonly apiKeyIn?: 'header' | 'query';
  /** false: a dropped connection fails every open request. */
  readonly reconnect?: ReconnectOptions | false;
}

/** A request as the caller writes it: the client gives it its `request_id`. */
export type SpeakRequest = Omit<StreamRequestFrame, 'request_id' | 'text_stream'>;
/** A streamed-text request (section 7): its text comes through `write`. */
export type TextStreamRequest = Omit<SpeakRequest, 'data'>;

/** A text-streamed request: write text as it arrives, flush to speak what is buffered, end when done. */
export class TextSpeech extends Speech {
  readonly #deliver: (message: ExtensionMessage) => void;

  constructor(feed: SpeechFeed, deliver: (message: ExtensionMessage) => void) {
    super(feed);
    this.#deliver = deliver;
  }

  write(text: string): void {
    this.#deliver({ type: 'text', request_id: this.requestId, data: text });
  }

  flush(): void {
    this.#deliver({ type: 'flush', request_id: this.requestId });
  }

  /** No more text follows; the request ends with `audio_end` once the buffered text is spoken. */
  end(): void {
    this.#deliver({ type: 'text_end', request_id: this.requestId });
  }
}

interface OpenRequest {
  readonly feed: SpeechFeed;
  /** Every message sent for this request, in order: what a retry sends again. */
  readonly messages: string[];
}

const DEFAULT_RECONNECT: Required<ReconnectOptions> = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

export class VoxwireClient {
  private socket: ClientSocket | undefined;
  private readonly open: OpenRequest[] = [];
  private readonly byId = new Map<RequestId, OpenRequest>();
  private nextId = 1;
  private fatal: VoxwireApiError | undefined;
  private closedByUser = false;
  private reconnecting = false;
  private readonly reconnect: Required<ReconnectOptions> | false;

  private constructor(private readonly options: ClientOptions) {
    this.reconnect = options.reconnect === false ? false : { ...DEFAULT_RECONNECT, ...options.reconnect };
  }

  /** Opens the connection; rejects with ConnectionLostError when the server cannot be reached. */
  static async connect(options: ClientOptions): Promise<VoxwireClient> {
    const client = new VoxwireClient(options);
    await client.dial();
    return client;
  }

  /** Whether the socket is open now (false while reconnecting). */
  get connected(): boolean {
    return this.socket?.readyState === SOCKET_OPEN;
  }

  /** Requests sent or waiting to be sent that have not ended. */
  get pending(): number {
    return this.open.length;
  }

  speak(request: SpeakRequest): Speech {
    const feed = this.feed(request);
    this.add(feed, { ...request, request_id: feed.requestId });
    return new Speech(feed);
  }

  /** Opens a text-streamed request (section 7): `data` starts empty, `write` appends. */
  streamText(request: TextStreamRequest): TextSpeech {
    const feed = this.feed(request);
    this.add(feed, { ...request, data: '', text_stream: true, request_id: feed.requestId });
    return new TextSpeech(feed, (message) => this.deliver(feed.requestId, message));
  }

  /** Cancels every open request of this connection (section 7: `{"type":"cancel"}`). */
  cancelAll(): void {
    // While reconnecting, every open request is one never answered (those that were failed at the drop).
    if (!this.connected) for (const entry of [...this.open]) this.settleUnsent(entry);
    else if (this.open.length > 0) this.transmit(JSON.stringify({ type: 'cancel' } satisfies ExtensionMessage));
  }

  /** Closes the connection; requests still open fail with ConnectionLostError. */
  close(): void {
    this.closedByUser = true;
    this.socket?.close(1000, 'client closed');
    this.failAll(new ConnectionLostError('The client was closed.'));
  }

  private feed(request: TextStreamRequest): SpeechFeed {
    const requestId = this.nextId++;
    return new SpeechFeed(requestId, shapeOf(request), () => this.cancel(requestId));
  }

  private add(feed: SpeechFeed, frame: StreamRequestFrame): void {
    if (this.fatal !== undefined) {
      feed.fail(this.fatal);
      return;
    }
    if (this.closedByUser) {
      feed.fail(new ConnectionLostError('The client was closed.'));
      return;
    }
    const entry: OpenRequest = { feed, messages: [JSON.stringify(frame)] };
    this.open.push(entry);
    this.byId.set(feed.requestId, entry);
    if (this.connected) this.sendEntry(entry);
  }

  private deliver(requestId: RequestId, message: ExtensionMessage): void {
    const entry = this.byId.get(requestId);
    if (entry === undefined) return;
    const text = JSON.stringify(message);
    entry.messages.push(text);
    if (this.connected) this.transmit(text);
  }

  private cancel(requestId: RequestId): void {
    const entry = this.byId.get(requestId);
    if (entry === undefined) return;
    // Not on the server (waiting for a reconnect): it ends here, and is never sent.
    if (!this.connected) return this.settleUnsent(entry);
    this.transmit(JSON.stringify({ type: 'cancel', request_id: requestId } satisfies ExtensionMessage));
  }

  private settleUnsent(entry: OpenRequest): void {
    this.remove(entry);
    entry.feed.finish(true);
  }

  private sendEntry(entry: OpenRequest): void {
    entry.feed.sent();
    for (const message of entry.messages) this.transmit(message);
  }

  private transmit(text: string): void {
    this.socket?.send(text);
  }

  private remove(entry: OpenRequest): void {
    this.byId.delete(entry.feed.requestId);
    const at = this.open.indexOf(entry);
    if (at >= 0) this.open.splice(at, 1);
  }

  private failAll(error: Error): void {
    for (const entry of this.open.splice(0)) {
      this.byId.delete(entry.feed.requestId);
      entry.feed.fail(error);
    }
  }

  private url(): { url: string; headers: Record<string, string> } {
    const url = streamUrl(this.options.url);
    const key = this.options.apiKey;
    const viaQuery = this.options.apiKeyIn === 'query' || (globalThis as { WebSocket?: unknown }).WebSocket !== undefined;
    if (key !== undefined && viaQuery) url.searchParams.set('api_key', key);
    return { url: url.toString(), headers: key !== undefined && !viaQuery ? { Authorization: `Bearer ${key}` } : {} };
  }

  /** Opens a socket and resolves once it is open; its handlers route every frame from the first one on. */
  private async dial(): Promise<void> {
    const { url, headers } = this.url();
    const { socket } = await openSocket(url, headers);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let opened = false;
    await new Promise<void>((resolve, reject) => {
      // A frame may arrive in the same read as the handshake (an Unauthorized error does): the handlers are in
      // place before the socket opens.
      socket.onmessage = (event) => this.onMessage(event.data);
      socket.onerror = () => undefined;
      socket.onclose = (event) => {
        if (opened) this.onClose(socket, event.code);
        else reject(new ConnectionLostError(`Could not connect to ${streamUrl(this.options.url).origin} (close ${event.code}).`, event.code));
      };
      socket.onopen = () => {
        opened = true;
        for (const entry of this.open) this.sendEntry(entry);
        resolve();
      };
    });
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') {
      const head = this.open[0];
      if (head !== undefined) head.feed.audio(new Uint8Array(data as ArrayBuffer), undefined, head.feed.sampleRate);
      return;
    }
    const message = JSON.parse(data) as ServerMessage;
    const entry = message.request_id === undefined ? undefined : this.byId.get(message.request_id);
    switch (message.type) {
      case 'audio':
        entry?.feed.audio(decodeBase64(message.audio_content), message.audio_timestamps, message.sample_rate);
        return;
      case 'audio_end':
        if (entry === undefined) return;
        this.remove(entry);
        entry.feed.finish(message.cancelled === true);
        return;
      case 'error': {
        const error = new VoxwireApiError(message.error_name, message.message, message.status_code, message.error_params, message.request_id);
        if (entry !== undefined) {
          this.remove(entry);
          entry.feed.fail(error);
        } else if (CONNECTION_ERRORS.has(message.error_name)) {
          this.fatal = error;
        }
        return;
      }
    }
  }

  private onClose(socket: ClientSocket, code: number): void {
    if (socket !== this.socket || this.closedByUser) return;
    this.socket = undefined;
    if (this.fatal !== undefined) return this.failAll(this.fatal);
    // What had begun to arrive cannot be resumed: a new request would start its audio over.
    for (const entry of this.open.filter((open) => open.feed.started)) {
      this.remove(entry);
      entry.feed.fail(new ConnectionLostError(`The connection closed (${code}) while request ${String(entry.feed.requestId)} was being answered.`, code));
    }
    if (this.reconnect === false) return this.failAll(new ConnectionLostError(`The connection closed (${code}).`, code));
    void this.redial(this.reconnect, code);
  }

  private async redial(settings: Required<ReconnectOptions>, code: number): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let attempt = 0; attempt < settings.attempts && !this.closedByUser; attempt += 1) {
        const delay = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)));
        if (this.closedByUser) return;
        try {
          await this.dial();
          return;
        } catch {
          // The next attempt waits longer.
        }
      }
      this.failAll(new ConnectionLostError(`The connection closed (${code}) and ${settings.attempts} attempts to reconnect failed.`, code));
    } finally {
      this.reconnecting = false;
    }
  }
}

function shapeOf(request: TextStreamRequest): AudioShape {
  const format = request.output_format ?? 'wav';
  return {
    format,
    precision: format === 'mp3' ? 'PCM_16' : (request.precision ?? 'PCM_32'),
    sampleRate: request.sample_rate ?? 48000,
    header: request.no_audio_header !== true,
  };
}
