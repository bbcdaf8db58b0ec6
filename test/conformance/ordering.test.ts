/**
 * protocol.md section 1 "Rules": FIFO answers, never interleaved, request ids, QueueFull; on a voice of every
 * built-in engine, since the order of answers must not depend on how an engine produces its audio.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { ENGINES_UNDER_TEST } from '../support/engines.js';
import { TestClient, type JsonFrame } from './client.js';
import { startTestServer } from './server.js';

let server: Voxwire;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

/** The voice under test: each engine's default English voice in turn. */
let voice: string;

/** Checks that the frames of each request form one contiguous run ending in its terminal frame. */
function assertNotInterleaved(frames: readonly JsonFrame[]): (number | string)[] {
  const order: (number | string)[] = [];
  let open: number | string | undefined;
  for (const frame of frames) {
    assert.ok(frame.request_id !== undefined, `every frame carries request_id: ${JSON.stringify(frame).slice(0, 120)}`);
    if (open === undefined) open = frame.request_id;
    assert.equal(frame.request_id, open, 'frames of two requests are interleaved');
    if (frame.type === 'audio_end' || frame.type === 'error') {
      order.push(open!);
      open = undefined;
    }
  }
  return order;
}

for (const under of ENGINES_UNDER_TEST) describe(`on ${under.plugin.id} (${under.voice.name})`, () => {
  before(() => {
    voice = under.voice.uuid;
  });

  it('answers 5 pipelined requests in arrival order, never interleaved, each completely', async () => {
    const client = await TestClient.connect(server.streamUrl);
    const ids = [41, 7, 99, 3, 12];
    const texts = ['The first one is rather long, so that the others have to wait for it.', 'Second.', 'Third, a bit longer.', 'Four.', 'Five is the end.'];
    ids.forEach((id, i) => client.send({ voice_uuid: voice, data: texts[i], request_id: id, sample_rate: 16000 }));
    await client.waitForTerminals(5);
    assert.deepEqual(assertNotInterleaved(client.frames), ids);
    for (const id of ids) {
      const frames = client.framesOf(id);
      assert.ok(frames.filter((frame) => frame.type === 'audio').length >= 1);
      assert.equal(frames.at(-1)?.type, 'audio_end');
    }
    client.close();
  });

  it('numbers requests without request_id 0, 1, 2 … per socket; a given id does not use the counter', async () => {
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: voice, data: 'One.' });
    client.send({ voice_uuid: voice, data: 'Two.', request_id: 70 });
    client.send({ voice_uuid: voice, data: 'Three.' });
    client.send({ voice_uuid: '00000000-0000-0000-0000-000000000000', data: 'Four.' });
    client.send({ voice_uuid: voice, data: 'Five.' });
    await client.waitForTerminals(5);
    assert.deepEqual(assertNotInterleaved(client.frames), [0, 70, 1, 2, 3]);
    assert.equal(client.terminals[3]!['error_name'], 'VoiceNotFound');
    const other = await TestClient.connect(server.streamUrl);
    other.send({ voice_uuid: voice, data: 'Again.' });
    await other.waitForTerminals(1);
    assert.equal(other.terminals[0]!.request_id, 0, 'each socket has its own counter');
    client.close();
    other.close();
  });

  it('accepts string ids (as some LiveKit plugin versions send) and echoes them on every frame', async () => {
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: voice, data: 'A string id.', request_id: 'Xk3vQ9pL2a' });
    const [terminal] = await client.waitForTerminals(1);
    assert.deepEqual(terminal, { type: 'audio_end', request_id: 'Xk3vQ9pL2a' });
    for (const frame of client.frames) assert.equal(frame.request_id, 'Xk3vQ9pL2a');
    client.close();
  });

  it('an invalid id takes no number from the counter', async () => {
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: voice, data: 'Bad id.', request_id: 2.5 });
    client.send({ voice_uuid: voice, data: 'No id.' });
    const [invalid, next] = await client.waitForTerminals(2);
    assert.equal(invalid!['error_name'], 'InvalidRequest');
    assert.equal(invalid!.request_id, undefined);
    assert.equal(next!.request_id, 0);
    client.close();
  });

  it('allows repeated ids and answers each request once, in order', async () => {
    const client = await TestClient.connect(server.streamUrl);
    client.send({ voice_uuid: voice, data: 'Same id, first.', request_id: 5 });
    client.send({ voice_uuid: voice, data: 'Same id, second.', request_id: 5, sample_rate: 8000 });
    await client.waitForTerminals(2);
    assert.deepEqual(assertNotInterleaved(client.frames), [5, 5]);
    const rates = client.frames.filter((frame) => frame.type === 'audio').map((frame) => frame['sample_rate']);
    assert.equal(rates[0], 48000);
    assert.equal(rates.at(-1), 8000, 'the second request comes second');
    client.close();
  });

  it('the socket stays usable after audio_end for many requests', async () => {
    const client = await TestClient.connect(server.streamUrl);
    for (let i = 0; i < 10; i += 1) {
      client.send({ voice_uuid: voice, data: `Request number ${i}.` });
      await client.waitForTerminals(i + 1);
    }
    assert.ok(client.terminals.every((frame) => frame.type === 'audio_end'));
    client.close();
  });

  it('QueueFull once 64 requests wait on one socket; every request gets exactly one terminal frame', async () => {
    const client = await TestClient.connect(server.streamUrl);
    const total = 70;
    client.send({ voice_uuid: voice, data: 'This first request is long enough to keep the socket busy while the others queue up behind it. '.repeat(4), request_id: 0 });
    for (let id = 1; id < total; id += 1) client.send({ voice_uuid: voice, data: 'Hi.', request_id: id, sample_rate: 8000 });
    await client.waitForTerminals(total);
    const order = assertNotInterleaved(client.frames);
    assert.deepEqual(order, Array.from({ length: total }, (_, id) => id), 'one terminal per request, in order');
    const full = client.terminals.filter((frame) => frame['error_name'] === 'QueueFull');
    assert.ok(full.length >= 1, 'some requests were refused');
    for (const frame of full) {
      assert.equal(frame['status_code'], 429);
      assert.ok(Number(frame.request_id) >= 65, `request ${frame.request_id} was refused although fewer than 64 waited`);
    }
    const served = client.terminals.filter((frame) => frame.type === 'audio_end').length;
    assert.equal(served + full.length, total);
    client.send({ voice_uuid: voice, data: 'And after that?' });
    await client.waitForTerminals(total + 1);
    assert.equal(client.terminals.at(-1)!.type, 'audio_end', 'the socket stays open');
    client.close();
  });
});
