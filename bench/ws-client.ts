/**
 * A load-generating client: one WebSocket, one request at a time, as an agent would use it. Measures from
 * the moment the request frame is handed to the socket to the first audio bytes and to `audio_end`.
 */
import WebSocket from 'ws';
import type { AudioFormat } from '../src/audio/formats.js';
import { chunkSeconds } from './audio-seconds.js';
import { PlaybackTracker, type RequestTiming } from './playback.js';

export interface SpeakOptions {
  readonly voiceUuid: string;
  readonly format: AudioFormat;
  /** true: audio as binary frames; false: JSON frames with base64 audio and timestamps (Resemble's default). */
  readonly binary: boolean;
  /** performance.now() after which the request is abandoned as incomplete. */
  readonly deadline: number;
}

interface Pending {
  readonly tracker: PlaybackTracker;
  readonly options: SpeakOptions;
  readonly settle: (timing: RequestTiming) => void;
}

interface JsonFrame {
  readonly type?: string;
  readonly audio_content?: string;
  readonly error_name?: string;
}

/** A load generator's WebSocket: no compression, which would cost both ends CPU that no real client spends. */
export async function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

export class BenchClient {
  private pending: Pending | undefined;
  private nextId = 0;
  private closed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code) => {
      this.closed = true;
      this.settle(false, `socket closed (${code})`);
    });
    socket.on('error', () => undefined);
  }

  static async connect(url: string): Promise<BenchClient> {
    return new BenchClient(await openSocket(url));
  }

  /** Sends one request and resolves when it ends, fails, or its deadline passes. Never rejects. */
  speak(text: string, options: SpeakOptions): Promise<RequestTiming> {
    if (this.pending) throw new Error('BenchClient sends one request at a time');
    if (this.closed) return Promise.resolve(new PlaybackTracker().finish(false, 'socket closed'));
    const request = {
      voice_uuid: options.voiceUuid,
      data: text,
      request_id: this.nextId++,
      binary_response: options.binary,
      output_format: options.format.format,
      sample_rate: options.format.sampleRate,
      precision: options.format.precision,
      no_audio_header: true,
    };
    return new Promise<RequestTiming>((resolve) => {
      const timer = setTimeout(() => this.settle(false, null), Math.max(0, options.deadline - performance.now()));
      const settle = (timing: RequestTiming): void => {
        clearTimeout(timer);
        resolve(timing);
      };
      const frame = JSON.stringify(request);
      this.pending = { tracker: new PlaybackTracker(performance.now()), options, settle };
      this.socket.send(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const pending = this.pending;
    if (!pending) return;
    if (isBinary) {
      pending.tracker.audio(chunkSeconds(data, pending.options.format));
      return;
    }
    const frame = JSON.parse(data.toString('utf8')) as JsonFrame;
    if (frame.type === 'audio' && frame.audio_content) {
      pending.tracker.audio(chunkSeconds(Buffer.from(frame.audio_content, 'base64'), pending.options.format));
    } else if (frame.type === 'audio_end') {
      this.settle(true, null);
    } else if (frame.type === 'error') {
      this.settle(false, frame.error_name ?? 'error');
    }
  }

  private settle(completed: boolean, error: string | null): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.settle(pending.tracker.finish(completed, error));
  }
}
