/**
 * Issue 15: the extension messages' errors (protocol.md section 7: InvalidRequest with the request id, the
 * socket open), and section 1's rules with extensions mixed in: answers in arrival order, never interleaved,
 * ids echoed, QueueFull and the limits. pipecat's and LiveKit's requests (no `type`) are answered as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_QUEUED_REQUESTS } from '../../src/server/stream-session.js';
import { TEXT_STREAM_LIMIT } from '../../src/protocol/extensions.js';
import { DEFAULT_VOICE, joinAudio, joinTimestamps, TestClient, type JsonFrame } from './client.js';
import { parseSpeechWav, sharedServerAndClient } from './server.js';

const voice = DEFAULT_VOICE.uuid;
const FORMAT = { sample_rate: 16000, precision: 'PCM_16' } as const;
const fixture = sharedServerAndClient();

function params(frame: JsonFrame): Record<string, unknown> {
  return frame['error_params'] as Record<string, unknown>;
}

/** Sends frames on a fresh socket and returns the terminal frames of `count` answers. */
async function answers(frames: readonly Record<string, unknown>[], count: number): Promise<{ client: TestClient; terminals: JsonFrame[] }> {
  const client = await TestClient.connect(fixture.server.streamUrl);
  for (const frame of frames) client.send(frame);
  const terminals = await client.waitForTerminals(count);
  return { client, terminals };
}

describe('errors of the extension messages', () => {
  it('an unknown type is InvalidRequest naming the field "type", with the request id when the frame has one; the socket stays open', async () => {
    const { client, terminals } = await answers(
      [{ type: 'speak', request_id: 5, voice_uuid: voice, data: 'Hi.' }, { type: 42 }, { voice_uuid: voice, data: 'Still open.', ...FORMAT }],
      3,
    );
    assert.equal(terminals[0]!['error_name'], 'InvalidRequest');
    assert.equal(params(terminals[0]!)['field'], 'type');
    assert.deepEqual(params(terminals[0]!)['allowed'], ['cancel', 'text', 'flush', 'text_end']);
    assert.equal(terminals[0]!.request_id, 5);
    assert.equal(params(terminals[1]!)['field'], 'type');
    assert.equal(terminals[1]!.request_id, undefined);
    // An extension takes no number from the socket's counter: the first request without an id is 0.
    assert.deepEqual(terminals[2], { type: 'audio_end', request_id: 0 });
    client.close();
  });

  it('text, flush and text_end for an id that is not an open streamed request, and a second text_end, are InvalidRequest with that id', async () => {
    const { client, terminals } = await answers(
      [
        { type: 'text', request_id: 7, data: 'Nobody opened me.' },
        { type: 'flush', request_id: 'x' },
        { voice_uuid: voice, data: 'A plain request.', request_id: 8, ...FORMAT },
        { type: 'text', request_id: 8, data: 'A plain request takes no text.' },
        { voice_uuid: voice, text_stream: true, request_id: 9, data: 'Open.', ...FORMAT },
        { type: 'text_end', request_id: 9 },
        { type: 'text_end', request_id: 9 },
        { type: 'text', request_id: 10 },
      ],
      7,
    );
    assert.deepEqual(
      terminals.map((frame) => [frame.request_id, frame.type === 'error' ? `${frame['error_name']}:${params(frame)['field']}` : frame.type]),
      [
        [7, 'InvalidRequest:request_id'],
        ['x', 'InvalidRequest:request_id'],
        [8, 'audio_end'],
        [8, 'InvalidRequest:request_id'],
        [9, 'audio_end'],
        [9, 'InvalidRequest:request_id'],
        [10, 'InvalidRequest:request_id'],
      ],
    );
    assert.match(terminals[5]!.message as string, /not an open streamed request/);
    client.close();
  });

  it('a streamed request needs its own id, unique among the open streamed requests; fields are checked as for any request', async () => {
    const { client, terminals } = await answers(
      [
        { voice_uuid: voice, text_stream: true },
        { voice_uuid: voice, text_stream: true, request_id: 3, ...FORMAT },
        { voice_uuid: voice, text_stream: true, request_id: 3, ...FORMAT },
        { voice_uuid: voice, text_stream: 'yes', request_id: 4, data: 'Hi.' },
        { voice_uuid: '00000000-0000-0000-0000-000000000000', text_stream: true, request_id: 5 },
        { type: 'text', request_id: 3, data: 5 },
        { type: 'text', request_id: 3, data: 'Spoken, ' },
        { type: 'text_end', request_id: 3 },
      ],
      6,
    );
    assert.equal(params(terminals[0]!)['field'], 'request_id');
    assert.equal(terminals[0]!.request_id, undefined);
    assert.deepEqual(terminals[1], { type: 'audio_end', request_id: 3 }, 'the stream is answered in its place, before the errors sent after it');
    const after3 = terminals.slice(1).filter((frame) => frame.type === 'error');
    assert.deepEqual(
      after3.map((frame) => [frame.request_id, frame['error_name'], params(frame)['field'] ?? null]),
      [
        [3, 'InvalidRequest', 'request_id'],
        [4, 'InvalidRequest', 'text_stream'],
        [5, 'VoiceNotFound', null],
        [3, 'InvalidRequest', 'data'],
      ],
    );
    assert.equal(joinTimestamps(client.framesOf(3)).graph_chars.join(''), 'Spoken, ');
    client.close();
  });
});

describe("section 1's rules with extensions mixed in", () => {
  it('answers in arrival order, never interleaved, one terminal frame per answer, ids echoed', async () => {
    const { client } = await answers(
      [
        { voice_uuid: voice, data: 'First.', request_id: 1, ...FORMAT },
        { type: 'nonsense', request_id: 5 },
        { voice_uuid: voice, text_stream: true, request_id: 2, ...FORMAT },
        { type: 'cancel', request_id: 99 },
        { type: 'text', request_id: 2, data: 'Streamed, then ' },
        { voice_uuid: voice, data: 'Third.', request_id: 3, ...FORMAT },
        { type: 'text', request_id: 7, data: 'No such stream.' },
        { type: 'text', request_id: 2, data: 'ended.' },
        { type: 'text_end', request_id: 2 },
        { type: 'flush', request_id: 2 },
      ],
      6,
    );
    const runs: (number | string)[] = [];
    let open: number | string | undefined;
    for (const frame of client.frames) {
      assert.ok(frame.request_id !== undefined, 'every frame carries its request_id');
      if (open === undefined) open = frame.request_id;
      assert.equal(frame.request_id, open, 'frames of two answers are interleaved');
      if (frame.type === 'audio_end' || frame.type === 'error') {
        runs.push(`${open}:${frame.type === 'error' ? frame['error_name'] : 'end'}`);
        open = undefined;
      }
    }
    assert.deepEqual(runs, ['1:end', '5:InvalidRequest', '2:end', '3:end', '7:InvalidRequest', '2:InvalidRequest']);
    assert.equal(joinTimestamps(client.framesOf(2)).graph_chars.join(''), 'Streamed, then ended.');
    client.close();
  });

  it('QueueFull counts the requests waiting behind an open streamed request', async () => {
    const client = await TestClient.connect(fixture.server.streamUrl);
    client.send({ voice_uuid: voice, text_stream: true, request_id: 'head', ...FORMAT });
    const extra = 3;
    for (let i = 0; i < MAX_QUEUED_REQUESTS + extra; i += 1) client.send({ voice_uuid: voice, data: 'Hi.', request_id: i, ...FORMAT });
    client.send({ type: 'text', request_id: 'head', data: 'The head of the queue.' });
    client.send({ type: 'text_end', request_id: 'head' });
    const terminals = await client.waitForTerminals(MAX_QUEUED_REQUESTS + extra + 1, 120_000);
    assert.deepEqual(terminals[0], { type: 'audio_end', request_id: 'head' });
    const refused = terminals.filter((frame) => frame['error_name'] === 'QueueFull').map((frame) => frame.request_id);
    assert.deepEqual(refused, Array.from({ length: extra }, (_, i) => MAX_QUEUED_REQUESTS + i));
    client.close();
  });

  it(`a streamed request over ${TEXT_STREAM_LIMIT} characters ends with TextTooLong, and takes no more text`, async () => {
    const sentence = 'A sentence of plain words that is spoken while more text keeps coming in. ';
    const client = await TestClient.connect(fixture.server.streamUrl);
    client.send({ voice_uuid: voice, text_stream: true, request_id: 1, ...FORMAT });
    client.send({ type: 'text', request_id: 1, data: sentence.repeat(Math.floor(TEXT_STREAM_LIMIT / sentence.length)) });
    client.send({ type: 'text', request_id: 1, data: sentence });
    client.send({ type: 'text', request_id: 1, data: 'Too late.' });
    client.send({ voice_uuid: voice, text_stream: true, request_id: 2, data: 'x'.repeat(TEXT_STREAM_LIMIT + 1), ...FORMAT });
    const terminals = await client.waitForTerminals(3, 60_000);
    assert.deepEqual(terminals.map((frame) => [frame.request_id, frame['error_name']]), [[1, 'TextTooLong'], [1, 'InvalidRequest'], [2, 'TextTooLong']]);
    assert.equal(params(terminals[0]!)['max_length'], TEXT_STREAM_LIMIT);
    client.close();
  });
});

describe("pipecat's and LiveKit's requests are answered as before", () => {
  const shapes: [string, Record<string, unknown>][] = [
    ['pipecat', { voice_uuid: voice, data: 'As pipecat sends it.', request_id: 3, binary_response: false, output_format: 'wav', sample_rate: 22050, precision: 'PCM_16', no_audio_header: true }],
    ['LiveKit', { voice_uuid: voice, data: 'As LiveKit sends it.', request_id: 'Xk3vQ9pL2a', sample_rate: 44100, precision: 'PCM_16', output_format: 'wav', binary_response: false, no_audio_header: true, continue: true }],
  ];
  for (const [client, request] of shapes) {
    it(`${client}: the same frames, keys and terminal as before the extensions`, async () => {
      const socket = await TestClient.connect(fixture.server.streamUrl);
      socket.send(request);
      await socket.waitForTerminals(1);
      const frames = socket.frames;
      assert.deepEqual(frames.at(-1), { type: 'audio_end', request_id: request['request_id'] });
      for (const frame of frames.slice(0, -1)) assert.deepEqual(Object.keys(frame), ['type', 'audio_content', 'audio_timestamps', 'sample_rate', 'request_id']);
      assert.ok(joinAudio(frames).length > 0);
      const { seconds } = parseSpeechWav(Buffer.concat([wavHeader(request['sample_rate'] as number), joinAudio(frames)]));
      assert.ok(seconds > 0.5);
      socket.close();
    });
  }
});

/** A WAV header for headerless PCM_16 mono, so the test's own reader can check the audio. */
function wavHeader(sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(0xffffffff, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(0xffffffff, 40);
  return header;
}
