/**
 * Issue 15, text streaming (protocol.md section 7) on a real server and real engines: text sent word by word
 * is spoken clause by clause while it arrives, its timestamps run on across the request and join back to the
 * text, and its audio lasts what the same text sent as one request does, without longer gaps at the joins.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { wavSamples } from '../audio/wav-reader.js';
import { ENGINES_UNDER_TEST } from '../support/engines.js';
import { joinAudio, joinTimestamps, TestClient } from './client.js';
import { assertTimestampInvariants, parseSpeechWav, startTestServer } from './server.js';

const FIRST_CLAUSE = 'The birch canoe slid on the smooth planks, ';
const TEXT = `${FIRST_CLAUSE}and the boy glued the sheet to the dark blue background. It is easy to tell the depth of a well: these days a chicken leg is a rare dish. Rice is often served in round bowls.`;
const FORMAT = { sample_rate: 16000, precision: 'PCM_16' } as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest run of near-silence (20 ms windows below 1 % of full scale) inside the audio, edges excluded. */
function longestInnerSilence(samples: ArrayLike<number>, rate: number): number {
  const window = Math.round(rate * 0.02);
  let longest = 0;
  let run = 0;
  let heardSound = false;
  for (let start = 0; start + window <= samples.length; start += window) {
    let energy = 0;
    for (let i = start; i < start + window; i += 1) energy += samples[i]! * samples[i]!;
    if (Math.sqrt(energy / window) < 0.01) run += window;
    else {
      if (heardSound) longest = Math.max(longest, run);
      heardSound = true;
      run = 0;
    }
  }
  return longest / rate;
}

for (const { plugin, voice } of ENGINES_UNDER_TEST) {
  describe(`text streaming (${plugin.id})`, () => {
    let server: Voxwire;
    before(async () => {
      server = await startTestServer({ textStreamIdleMs: 1_000 });
    });
    after(async () => {
      await server.close();
    });

    it('text sent word by word is spoken from its first clause on, runs on one timeline and sounds like the text sent at once', async () => {
      const client = await TestClient.connect(server.streamUrl);
      try {
        client.send({ voice_uuid: voice.uuid, data: TEXT, request_id: 1, ...FORMAT });
        await client.waitForTerminals(1);
        const whole = parseSpeechWav(joinAudio(client.framesOf(1)));

        client.send({ voice_uuid: voice.uuid, data: '', text_stream: true, request_id: 2, ...FORMAT });
        const words = TEXT.split(/(?<=\s)/u);
        const firstClauseWords = FIRST_CLAUSE.split(/(?<=\s)/u).length;
        const audioOf2 = (): boolean => client.framesOf(2).some((frame) => frame.type === 'audio');
        // The first clause without the space that ends it: nothing is spoken yet.
        for (const [index, word] of words.slice(0, firstClauseWords).entries()) {
          client.send({ type: 'text', request_id: 2, data: index === firstClauseWords - 1 ? word.trimEnd() : word });
          await sleep(30);
        }
        await sleep(100);
        assert.equal(audioOf2(), false, 'no audio before the first clause is complete');
        client.send({ type: 'text', request_id: 2, data: ' ' });
        // The first clause alone is spoken: no more text is sent until its audio arrives.
        await client.waitFor(audioOf2);
        for (const word of words.slice(firstClauseWords)) {
          client.send({ type: 'text', request_id: 2, data: word });
          await sleep(30);
        }
        const audioBeforeEnd = client.framesOf(2).filter((frame) => frame.type === 'audio').length;
        client.send({ type: 'text_end', request_id: 2 });
        await client.waitForTerminals(2);
        assert.ok(audioBeforeEnd > 1, 'audio kept coming while the text arrived');

        const frames = client.framesOf(2);
        assert.deepEqual(frames.at(-1), { type: 'audio_end', request_id: 2 });
        const streamed = parseSpeechWav(joinAudio(frames));
        assertTimestampInvariants(joinTimestamps(frames), TEXT, streamed.seconds);
        const ratio = streamed.seconds / whole.seconds;
        assert.ok(Math.abs(ratio - 1) <= 0.1, `streamed ${streamed.seconds} s against ${whole.seconds} s sent at once`);
        const streamedGap = longestInnerSilence(wavSamples(streamed.wav), streamed.wav.sampleRate);
        const wholeGap = longestInnerSilence(wavSamples(whole.wav), whole.wav.sampleRate);
        assert.ok(streamedGap <= wholeGap + 0.06, `longest pause ${streamedGap} s streamed, ${wholeGap} s sent at once: the joins add no gap`);
      } finally {
        client.close();
      }
    });

    it('flush speaks a clause that has no end yet; data opens the stream with text; idle time speaks what is held and ends it', async () => {
      const client = await TestClient.connect(server.streamUrl);
      try {
        client.send({ voice_uuid: voice.uuid, data: 'Waiting for', text_stream: true, request_id: 'stream-a', ...FORMAT });
        client.send({ type: 'flush', request_id: 'stream-a' });
        await client.waitFor(() => client.framesOf('stream-a' as unknown as number).some((frame) => frame.type === 'audio'));
        client.send({ type: 'text', request_id: 'stream-a', data: ' the end' });
        // No text_end: the server's idle time (1 s here, 30 s by default) ends it.
        await client.waitForTerminals(1);
        const frames = client.framesOf('stream-a' as unknown as number);
        assert.deepEqual(frames.at(-1), { type: 'audio_end', request_id: 'stream-a' });
        assertTimestampInvariants(joinTimestamps(frames), 'Waiting for the end', parseSpeechWav(joinAudio(frames)).seconds);
        client.send({ type: 'text', request_id: 'stream-a', data: 'too late' });
        const [, late] = await client.waitForTerminals(2);
        assert.equal(late!['error_name'], 'InvalidRequest');
        assert.equal(late!.request_id, 'stream-a');
      } finally {
        client.close();
      }
    });

    it('holds its place in the socket order: requests sent while it is open follow its audio_end, never interleaved', async () => {
      const client = await TestClient.connect(server.streamUrl);
      try {
        client.send({ voice_uuid: voice.uuid, data: 'Before the stream.', request_id: 1, ...FORMAT });
        client.send({ voice_uuid: voice.uuid, text_stream: true, request_id: 2, ...FORMAT });
        client.send({ voice_uuid: voice.uuid, data: 'Sent while the stream is open.', request_id: 3, ...FORMAT });
        client.send({ type: 'text', request_id: 2, data: 'Streamed text, ' });
        await sleep(50);
        client.send({ type: 'text', request_id: 2, data: 'in two parts.' });
        client.send({ type: 'text_end', request_id: 2 });
        await client.waitForTerminals(3);
        const order: number[] = [];
        for (const frame of client.frames) if (order.at(-1) !== frame.request_id) order.push(frame.request_id as number);
        assert.deepEqual(order, [1, 2, 3]);
        assert.deepEqual(client.terminals.map((frame) => frame.type), ['audio_end', 'audio_end', 'audio_end']);
        assert.equal(joinTimestamps(client.framesOf(2)).graph_chars.join(''), 'Streamed text, in two parts.');
      } finally {
        client.close();
      }
    });
  });
}
