/**
 * W4, voice agents (issue 15, protocol.md section 7): an LLM-like token stream, the W2 paragraph in
 * 4-character pieces every 20 ms, spoken two ways: as one streamed request (`text_stream`, each piece a
 * `text` message), and sentence by sentence as pipecat does (the client gathers the tokens and sends each
 * complete sentence as a request of its own). First audio is timed from the first token in both. Then
 * cancel-to-silence: a long request is cancelled mid-speech, timed from the cancel to its `audio_end`
 * (after which none of its audio arrives).
 */
import type WebSocket from 'ws';
import { openSocket } from './ws-client.js';
import { summarize, type Summary } from './stats.js';

export const TOKEN_CHARS = 4;
export const TOKEN_INTERVAL_MS = 20;
const FORMAT = { output_format: 'wav', sample_rate: 22050, precision: 'PCM_16', no_audio_header: true } as const;
/** A sentence as pipecat's aggregator sees one: up to its end mark and the space after it. */
const SENTENCE_END = /[.!?]["')\]]*\s/u;
const ROUND_TIMEOUT_MS = 120_000;

export interface AgentStreamResult {
  readonly rounds: number;
  readonly errors: number;
  /** First token → first audio, ms, one streamed request. */
  readonly streamedFirstAudioMs: Summary;
  /** First token → first audio, ms, sentence by sentence. */
  readonly sentencesFirstAudioMs: Summary;
  /** First token → the last request's audio_end, ms (streamed / sentence by sentence). */
  readonly streamedTotalMs: Summary;
  readonly sentencesTotalMs: Summary;
  /** cancel sent → audio_end cancelled, ms. */
  readonly cancelToSilenceMs: Summary;
}

interface Frame {
  readonly type?: string;
  readonly request_id?: number;
  readonly cancelled?: boolean;
}

/** One socket whose frames a round waits on. */
class AgentSocket {
  private listeners: ((frame: Frame) => void)[] = [];
  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      for (const listener of this.listeners) listener(frame);
    });
    socket.on('error', () => undefined);
  }

  static async open(url: string): Promise<AgentSocket> {
    return new AgentSocket(await openSocket(url));
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Resolves with performance.now() when a frame matching `test` arrives. */
  when(test: (frame: Frame) => boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('W4 round timed out')), ROUND_TIMEOUT_MS);
      const listener = (frame: Frame): void => {
        if (frame.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`W4 request failed: ${JSON.stringify(frame)}`));
        } else if (test(frame)) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((each) => each !== listener);
          resolve(performance.now());
        }
      };
      this.listeners.push(listener);
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function tokens(text: string): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += TOKEN_CHARS) pieces.push(text.slice(at, at + TOKEN_CHARS));
  return pieces;
}

/** The token stream as one streamed request. Returns [first audio, total] in ms from the first token. */
async function streamedRound(socket: AgentSocket, voiceUuid: string, text: string, id: number): Promise<[number, number]> {
  const firstAudio = socket.when((frame) => frame.type === 'audio' && frame.request_id === id);
  const end = socket.when((frame) => frame.type === 'audio_end' && frame.request_id === id);
  const startedAt = performance.now();
  socket.send({ voice_uuid: voiceUuid, text_stream: true, request_id: id, ...FORMAT });
  for (const token of tokens(text)) {
    socket.send({ type: 'text', request_id: id, data: token });
    await sleep(TOKEN_INTERVAL_MS);
  }
  socket.send({ type: 'text_end', request_id: id });
  return [(await firstAudio) - startedAt, (await end) - startedAt];
}

/** The same token stream gathered into sentences, each sent as its own request as soon as it is complete. */
async function sentencesRound(socket: AgentSocket, voiceUuid: string, text: string, firstId: number): Promise<[number, number]> {
  const firstAudio = socket.when((frame) => frame.type === 'audio' && frame.request_id === firstId);
  let id = firstId;
  let buffer = '';
  const startedAt = performance.now();
  for (const token of tokens(text)) {
    buffer += token;
    for (let match = SENTENCE_END.exec(buffer); match !== null; match = SENTENCE_END.exec(buffer)) {
      const cut = match.index + match[0].length;
      socket.send({ voice_uuid: voiceUuid, data: buffer.slice(0, cut), request_id: id, ...FORMAT });
      id += 1;
      buffer = buffer.slice(cut);
    }
    await sleep(TOKEN_INTERVAL_MS);
  }
  if (buffer.trim() !== '') {
    socket.send({ voice_uuid: voiceUuid, data: buffer, request_id: id, ...FORMAT });
    id += 1;
  }
  const lastId = id - 1;
  const end = await socket.when((frame) => frame.type === 'audio_end' && frame.request_id === lastId);
  return [(await firstAudio) - startedAt, end - startedAt];
}

/** A long request cancelled after its third audio frame: ms from the cancel to its audio_end cancelled. */
async function cancelRound(socket: AgentSocket, voiceUuid: string, text: string, id: number): Promise<number> {
  let frames = 0;
  const third = socket.when((frame) => frame.type === 'audio' && frame.request_id === id && (frames += 1) >= 3);
  socket.send({ voice_uuid: voiceUuid, data: text, request_id: id, ...FORMAT });
  await third;
  const ended = socket.when((frame) => frame.type === 'audio_end' && frame.request_id === id);
  const cancelledAt = performance.now();
  socket.send({ type: 'cancel', request_id: id });
  return (await ended) - cancelledAt;
}

/** `rounds` of each measurement, interleaved so drifting background load weighs on all of them alike. */
export async function runAgentStream(streamUrl: string, voiceUuid: string, paragraph: string, rounds: number): Promise<AgentStreamResult> {
  const socket = await AgentSocket.open(streamUrl);
  const streamed: [number, number][] = [];
  const sentences: [number, number][] = [];
  const cancels: number[] = [];
  let errors = 0;
  let id = 0;
  try {
    for (let round = 0; round < rounds; round += 1) {
      try {
        streamed.push(await streamedRound(socket, voiceUuid, paragraph, (id += 1)));
        sentences.push(await sentencesRound(socket, voiceUuid, paragraph, (id += 1)));
        id += 100;
        cancels.push(await cancelRound(socket, voiceUuid, paragraph, (id += 1)));
      } catch {
        errors += 1;
      }
    }
  } finally {
    socket.close();
  }
  return {
    rounds,
    errors,
    streamedFirstAudioMs: summarize(streamed.map(([first]) => first)),
    sentencesFirstAudioMs: summarize(sentences.map(([first]) => first)),
    streamedTotalMs: summarize(streamed.map(([, total]) => total)),
    sentencesTotalMs: summarize(sentences.map(([, total]) => total)),
    cancelToSilenceMs: summarize(cancels),
  };
}
