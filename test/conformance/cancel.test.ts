/**
 * Issue 15, cancel (protocol.md section 7) on a real server and every engine it serves (the built-in ones and
 * the Piper and Kokoro test voices): a running request stops within
 * a chunk's time, its audio already handed to the socket is all that arrives, its terminal frame says
 * `cancelled`, the next request follows in full, and the engine's worker is free at once; a queued request
 * gets its terminal frame in its turn with no audio; metrics and the request log say `cancelled`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { captureLog, moved, scrape, type CapturedLog } from '../ops/ops-client.js';
import { NEURAL_DATA_DIR, SERVED_ENGINES_UNDER_TEST } from '../support/engines.js';
import { joinAudio, joinTimestamps, TestClient, type JsonFrame } from './client.js';
import { assertTimestampInvariants, engineIdle, parseSpeechWav, startTestServer } from './server.js';

const SENTENCE = 'The birch canoe slid on the smooth planks, and the boy glued the sheet to the dark blue background. ';
/** About three minutes of speech: far more than the socket and the prefetch buffers hold. */
const LONG = SENTENCE.repeat(29);
const FORMAT = { sample_rate: 16000, precision: 'PCM_16' } as const;
const CANCELLED = 'voxwire_requests_total{endpoint="ws_stream",outcome="cancelled"}';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds from sending a short request to its first audio frame, on a socket of its own. */
async function firstAudioMs(server: Voxwire, voice: string, text: string): Promise<number> {
  const client = await TestClient.connect(server.streamUrl);
  try {
    const sentAt = performance.now();
    client.send({ voice_uuid: voice, data: text, request_id: 1, ...FORMAT });
    await client.waitFor(() => client.frames.some((frame) => frame.type === 'audio'));
    const elapsed = performance.now() - sentAt;
    await client.waitForTerminals(1);
    return elapsed;
  } finally {
    client.close();
  }
}

/** Index (in arrival order) of the frame of `requestId` that ends it. */
function terminalIndex(frames: readonly JsonFrame[], requestId: number): number {
  return frames.findIndex((frame) => frame.request_id === requestId && (frame.type === 'audio_end' || frame.type === 'error'));
}

for (const { id, voice } of SERVED_ENGINES_UNDER_TEST) {
  describe(`cancel (${id})`, () => {
    let server: Voxwire;
    let log: CapturedLog;
    /** Median time to the first audio of a short request: a chunk's engine work on this machine, now. */
    let chunkMs: number;

    before(async () => {
      log = captureLog();
      // One worker: a cancelled job that kept running would hold the only worker and delay everything after it.
      server = await startTestServer({ workers: 1, logger: log.logger, dataDir: NEURAL_DATA_DIR });
      const samples: number[] = [];
      for (let i = 0; i < 3; i += 1) samples.push(await firstAudioMs(server, voice.uuid, 'A short sentence to time.'));
      chunkMs = median(samples);
    });
    after(async () => {
      await server.close();
    });

    it('stops a running request within a chunk, sends nothing of it after audio_end cancelled, answers the next in full, and frees the worker', async () => {
      const beforeScrape = await scrape(server.url);
      const client = await TestClient.connect(server.streamUrl);
      try {
        const next = 'The next request is answered in full.';
        client.send({ voice_uuid: voice.uuid, data: LONG, request_id: 1, ...FORMAT });
        client.send({ voice_uuid: voice.uuid, data: next, request_id: 2, ...FORMAT });
        await client.waitFor(() => client.framesOf(1).filter((frame) => frame.type === 'audio').length >= 3);
        const receivedBeforeCancel = client.received.length;
        const cancelledAt = performance.now();
        client.send({ type: 'cancel', request_id: 1 });
        await client.waitFor(() => terminalIndex(client.frames, 1) >= 0);
        const cancelMs = performance.now() - cancelledAt;

        const frames = client.frames;
        const end = terminalIndex(frames, 1);
        assert.deepEqual(frames[end], { type: 'audio_end', request_id: 1, cancelled: true });
        // Frames of request 1 that arrived after the cancel was sent were on the wire before it was read: the
        // server's socket buffer holds at most SOCKET_HIGH_WATER_BYTES of them, about 8 s of this audio.
        const afterCancel = frames.slice(receivedBeforeCancel, end).filter((frame) => frame.type === 'audio').length;
        assert.ok(afterCancel <= 40, `${afterCancel} audio frames arrived between the cancel and its audio_end`);
        const bound = 3 * chunkMs + 20;
        assert.ok(cancelMs <= bound, `audio_end cancelled came ${cancelMs.toFixed(0)} ms after the cancel (bound ${bound.toFixed(0)} ms: 3 chunks of engine work + 20 ms)`);

        await client.waitForTerminals(2);
        assert.ok(!client.frames.slice(end + 1).some((frame) => frame.request_id === 1), 'no frame of request 1 after its audio_end');
        const received = joinAudio(client.framesOf(1));
        const { seconds: cancelledSeconds } = parseSpeechWav(received);
        assert.ok(cancelledSeconds < 60, `the cancelled request sent ${cancelledSeconds} s of its three minutes`);

        const secondFrames = client.framesOf(2);
        assert.deepEqual(secondFrames.at(-1), { type: 'audio_end', request_id: 2 });
        const { seconds } = parseSpeechWav(joinAudio(secondFrames));
        assertTimestampInvariants(joinTimestamps(secondFrames), next, seconds);

        // The worker is free: a request on another socket starts as promptly as one on an idle server.
        const third = await firstAudioMs(server, voice.uuid, 'A third request starts at once.');
        assert.ok(third <= bound, `the third request's first audio took ${third.toFixed(0)} ms (bound ${bound.toFixed(0)} ms)`);
        await client.waitFor(() => engineIdle(server), 5_000);

        const afterScrape = await scrape(server.url);
        assert.equal(moved(beforeScrape, afterScrape, CANCELLED), 1, 'metrics count one cancelled request');
        const line = log.lines.find((record) => record['msg'] === 'stream request' && record['request_id'] === 1 && record['chars'] === LONG.length);
        assert.equal(line?.['outcome'], 'cancelled', 'the request log says cancelled');
      } finally {
        client.close();
      }
    });

    it('a cancelled queued request gets its terminal frame in its turn, with no audio; cancelling an id that is not open sends nothing', async () => {
      const client = await TestClient.connect(server.streamUrl);
      try {
        const texts = ['The first of three is spoken in full, before the others.', 'The second is cancelled before its turn.', 'The third is spoken in full.'];
        texts.forEach((text, index) => client.send({ voice_uuid: voice.uuid, data: text, request_id: 10 + index, ...FORMAT }));
        client.send({ type: 'cancel', request_id: 11 });
        client.send({ type: 'cancel', request_id: 99 });
        await client.waitForTerminals(3);
        assert.deepEqual(
          client.terminals.map((frame) => [frame.request_id, frame['cancelled'] ?? false]),
          [[10, false], [11, true], [12, false]],
        );
        assert.deepEqual(client.framesOf(11), [{ type: 'audio_end', request_id: 11, cancelled: true }], 'no audio of the cancelled request');
        assert.ok(terminalIndex(client.frames, 10) < terminalIndex(client.frames, 11), 'in its turn: after the request before it');
        for (const id of [10, 12]) {
          const frames = client.framesOf(id);
          assertTimestampInvariants(joinTimestamps(frames), texts[id - 10]!, parseSpeechWav(joinAudio(frames)).seconds);
        }
        assert.equal(client.frames.filter((frame) => frame.request_id === 99).length, 0);
      } finally {
        client.close();
      }
    });

    it('{"type":"cancel"} cancels every request of the socket, each with its own terminal frame, in order; the socket serves the next', async () => {
      const client = await TestClient.connect(server.streamUrl);
      try {
        client.send({ voice_uuid: voice.uuid, data: LONG, request_id: 20, ...FORMAT });
        client.send({ voice_uuid: voice.uuid, data: 'Queued and cancelled.', request_id: 21, ...FORMAT });
        client.send({ voice_uuid: voice.uuid, data: 'Also queued, also cancelled.', request_id: 22, binary_response: true, ...FORMAT });
        await client.waitFor(() => client.framesOf(20).some((frame) => frame.type === 'audio'));
        client.send({ type: 'cancel' });
        client.send({ voice_uuid: voice.uuid, data: 'After the cancel.', request_id: 23, ...FORMAT });
        await client.waitForTerminals(4);
        assert.deepEqual(
          client.terminals.map((frame) => frame),
          [
            { type: 'audio_end', request_id: 20, cancelled: true },
            { type: 'audio_end', request_id: 21, cancelled: true },
            { type: 'audio_end', request_id: 22, cancelled: true },
            { type: 'audio_end', request_id: 23 },
          ],
        );
        const binaryAfter20 = client.received.slice(client.received.findIndex((item) => item.kind === 'json' && item.frame.request_id === 20 && item.frame.type === 'audio_end'));
        const endOf22 = binaryAfter20.findIndex((item) => item.kind === 'json' && item.frame.request_id === 22);
        assert.ok(!binaryAfter20.slice(0, endOf22).some((item) => item.kind === 'binary'), 'no binary audio of the cancelled request 22');
        parseSpeechWav(joinAudio(client.framesOf(23)));
      } finally {
        client.close();
      }
    });
  });
}
