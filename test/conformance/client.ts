/** A small client for conformance tests: a real WebSocket to a real voxwire on a free loopback port. */
import WebSocket from 'ws';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';

export { DEFAULT_VOICE };

export interface JsonFrame {
  readonly type: string;
  readonly request_id?: number | string;
  readonly [key: string]: unknown;
}

export type Received = { readonly kind: 'json'; readonly frame: JsonFrame } | { readonly kind: 'binary'; readonly data: Buffer };

/** Collects everything a socket receives, in order, and lets a test wait for conditions on it. */
export class TestClient {
  readonly received: Received[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      this.received.push(isBinary ? { kind: 'binary', data } : { kind: 'json', frame: JSON.parse(data.toString('utf8')) as JsonFrame });
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(request: Record<string, unknown> | string): void {
    this.socket.send(typeof request === 'string' ? request : JSON.stringify(request));
  }

  get frames(): JsonFrame[] {
    return this.received.flatMap((item) => (item.kind === 'json' ? [item.frame] : []));
  }

  /** Terminal frames (audio_end or error) received so far. */
  get terminals(): JsonFrame[] {
    return this.frames.filter((frame) => frame.type === 'audio_end' || frame.type === 'error');
  }

  async waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting; received ${JSON.stringify(this.frames.slice(-3)).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForTerminals(count: number, timeoutMs?: number): Promise<JsonFrame[]> {
    await this.waitFor(() => this.terminals.length >= count || this.closeCode !== undefined, timeoutMs);
    return this.terminals;
  }

  async waitForClose(): Promise<number> {
    await this.waitFor(() => this.closeCode !== undefined);
    return this.closeCode!;
  }

  /** Frames of one request (audio, then audio_end or error), as received. */
  framesOf(requestId: number): JsonFrame[] {
    return this.frames.filter((frame) => frame.request_id === requestId);
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Joins the base64 audio of JSON audio frames. */
export function joinAudio(frames: readonly JsonFrame[]): Buffer {
  return Buffer.concat(frames.filter((frame) => frame.type === 'audio').map((frame) => Buffer.from(frame['audio_content'] as string, 'base64')));
}

export interface Timestamps {
  graph_chars: string[];
  graph_times: [number, number][];
  phon_chars: string[];
  phon_times: [number, number][];
}

/** Joins the timestamps of a request's JSON audio frames. */
export function joinTimestamps(frames: readonly JsonFrame[]): Timestamps {
  const joined: Timestamps = { graph_chars: [], graph_times: [], phon_chars: [], phon_times: [] };
  for (const frame of frames) {
    if (frame.type !== 'audio') continue;
    const stamps = frame['audio_timestamps'] as Timestamps;
    joined.graph_chars.push(...stamps.graph_chars);
    joined.graph_times.push(...stamps.graph_times);
    joined.phon_chars.push(...stamps.phon_chars);
    joined.phon_times.push(...stamps.phon_times);
  }
  return joined;
}
