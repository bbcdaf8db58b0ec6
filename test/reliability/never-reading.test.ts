/**
 * Issue 11: a client that never reads a long request holds a bounded amount of engine output in the server.
 * The engine's `held` count (chunks its workers produced that nobody has taken) is what would grow without
 * backpressure: a worker used to run its whole segment ahead of a blocked socket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE, TestClient, joinAudio } from '../conformance/client.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';
import { clientFrame, rawUpgrade } from './raw-socket.js';
import { sleep, waitUntil } from './wait.js';

/** The pool's default output window: chunks a worker may send beyond what its consumer took. */
const OUTPUT_WINDOW = 4;
const SENTENCE = 'The committee met on Tuesday to discuss the budget for the coming year, and after a long debate it agreed on most points. ';

let server: Voxwire;
before(async () => {
  server = await startTestServer({ workers: 1 });
});
after(() => server.close());

function stats(): { busy: number; queued: number; held: number } {
  return server.engines.stats();
}

describe('a client that never reads', () => {
  it('holds at most one output window of engine chunks while its socket is blocked, frees the worker for others, and drops them when it goes', async () => {
    const hostile = await rawUpgrade(server.streamUrl);
    hostile.pause();
    // About three minutes of 48 kHz PCM_32: megabytes of JSON, far more than the socket buffers hold.
    const request = { voice_uuid: DEFAULT_VOICE.uuid, data: SENTENCE.repeat(20), sample_rate: 48000, precision: 'PCM_32' };
    hostile.write(clientFrame(Buffer.from(JSON.stringify(request))));
    await waitUntil(() => stats().held >= OUTPUT_WINDOW - 1, 30_000, 'the engine to fill its window for the blocked socket');
    const held: number[] = [];
    // Samples over a few seconds: time for a runaway worker to produce its whole segment (hundreds of chunks).
    for (let sample = 0; sample < 30; sample += 1) {
      held.push(stats().held);
      await sleep(100);
    }
    try {
      assert.ok(Math.max(...held) <= OUTPUT_WINDOW, `engine chunks held for the blocked socket: ${held.join(',')}`);
      assert.equal(stats().busy, 1, 'the worker waits on the socket instead of finishing the segment');
      // The only worker waits for the blocked socket: another client's request must still get it.
      const other = await TestClient.connect(server.streamUrl);
      other.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Still served.', request_id: 1, sample_rate: 16000 });
      const [terminal] = await other.waitForTerminals(1);
      assert.equal(terminal?.type, 'audio_end', 'another client is served while the only worker is held by a blocked socket');
      parseSpeechWav(joinAudio(other.framesOf(1)));
      other.close();
    } finally {
      hostile.destroy();
    }
    await waitUntil(() => stats().busy === 0 && stats().queued === 0 && stats().held === 0, 10_000, 'the work to stop and its chunks to be dropped');
  });
});
