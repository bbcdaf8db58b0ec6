/**
 * The client's cancel and text streaming against a real server.
 */
import assert from 'node:assert/strict';
import { SOCKET_HIGH_WATER_BYTES } from '../../src/server/stream-session.js';
import { after, before, it } from 'node:test';
import { VoxwireApiError, VoxwireClient, wavFileFromChunks, type AudioChunk } from '../../src/client/index.js';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';
import { assertTimestampInvariants, parseSpeechWav, startTestServer } from '../conformance/server.js';
import type { Timestamps } from '../conformance/client.js';

let server: Voxwire;
let client: VoxwireClient;
before(async () => {
  server = await startTestServer();
  client = await VoxwireClient.connect({ url: server.url });
});
after(async () => {
  client.close();
  await server.close();
});

const LONG = 'This sentence is repeated so that the request runs long enough to be cancelled in the middle. '.repeat(10);

function joined(chunks: readonly AudioChunk[]): Timestamps {
  const stamps: Timestamps = { graph_chars: [], graph_times: [], phon_chars: [], phon_times: [] };
  for (const chunk of chunks) {
    if (chunk.timestamps === undefined) continue;
    stamps.graph_chars.push(...chunk.timestamps.graph_chars);
    stamps.graph_times.push(...chunk.timestamps.graph_times);
    stamps.phon_chars.push(...chunk.timestamps.phon_chars);
    stamps.phon_times.push(...chunk.timestamps.phon_times);
  }
  return stamps;
}

it('cancel stops a running request within a frame, ends it cancelled, and the next request is served', async () => {
  const running = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: LONG, sample_rate: 16000 });
  const next = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'After the cancel.', sample_rate: 16000 });
  // What arrives after the cancel is what the server had already handed to the socket before it read the
  // cancel (protocol.md section 7; at most the socket's high-water mark of frames): never more.
  let bytesAfterCancel = 0;
  let cancelled = false;
  for await (const chunk of running) {
    if (cancelled) bytesAfterCancel += chunk.audio.byteLength;
    else {
      running.cancel();
      cancelled = true;
    }
  }
  const result = await running.done;
  assert.equal(result.cancelled, true);
  assert.ok(bytesAfterCancel <= SOCKET_HIGH_WATER_BYTES, `${bytesAfterCancel} bytes of audio after the cancel`);
  assert.ok(result.audioSeconds! < 10, 'far less than the whole text');
  const chunks: AudioChunk[] = [];
  for await (const chunk of next) chunks.push(chunk);
  assert.equal((await next.done).cancelled, false);
  assert.ok(parseSpeechWav(wavFileFromChunks(chunks.map((chunk) => chunk.audio))).seconds > 0.5);
});

it('cancelling a queued request ends it cancelled without audio and leaves the running one whole', async () => {
  const text = 'The running request finishes.';
  const running = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: text, sample_rate: 16000 });
  const queued = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: LONG, sample_rate: 16000 });
  queued.cancel();
  const chunks: AudioChunk[] = [];
  for await (const chunk of running) chunks.push(chunk);
  const { seconds } = parseSpeechWav(wavFileFromChunks(chunks.map((chunk) => chunk.audio)));
  assertTimestampInvariants(joined(chunks), text, seconds);
  const result = await queued.done;
  assert.equal(result.cancelled, true);
  assert.equal(result.bytes, 0);
});

it('leaving a for-await early cancels the request; cancelAll ends every open request, in order', async () => {
  const left = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: LONG });
  for await (const chunk of left) {
    void chunk;
    break;
  }
  assert.equal((await left.done).cancelled, true);
  const all = [0, 1, 2].map(() => client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: LONG }));
  const order: number[] = [];
  all.forEach((speech, i) => void speech.done.then(() => order.push(i)));
  client.cancelAll();
  const results = await Promise.all(all.map((speech) => speech.done));
  assert.ok(results.every((result) => result.cancelled));
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(client.pending, 0);
});

it('text streaming: audio starts before the text ends, and the timestamps join to the streamed text', async () => {
  const stream = client.streamText({ voice_uuid: DEFAULT_VOICE.uuid, sample_rate: 16000, precision: 'PCM_16' });
  const pieces = ['Tokens ', 'arrive ', 'one ', 'by ', 'one. ', 'The server ', 'speaks them ', 'clause by clause, ', 'as they come.'];
  for (const piece of pieces.slice(0, 5)) stream.write(piece);
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false, 'the first clause is spoken before text_end');
  const chunks: AudioChunk[] = [first.value as AudioChunk];
  for (const piece of pieces.slice(5)) stream.write(piece);
  stream.flush();
  stream.end();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value);
  const result = await stream.done;
  assert.equal(result.cancelled, false);
  const { seconds } = parseSpeechWav(wavFileFromChunks(chunks.map((chunk) => chunk.audio)));
  assertTimestampInvariants(joined(chunks), pieces.join(''), seconds);
});

it('a streamed request over its limit ends with TextTooLong; the socket serves the next request', async () => {
  const stream = client.streamText({ voice_uuid: DEFAULT_VOICE.uuid });
  stream.write('x '.repeat(10_001));
  await assert.rejects(stream.done, (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'TextTooLong' && error.requestId === stream.requestId);
  assert.equal((await client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Still served.' }).done).cancelled, false);
});
