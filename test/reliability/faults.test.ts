/**
 * Issue 7, faults: an engine worker that hangs in the middle of a request, and SIGTERM on a real
 * `voxwire serve` process under load. (A crash on a lone request is in test/conformance.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { FAULTS, FAULTY_WORKER } from '../engines/workers/faults.js';
import { espeakPlugin } from '../../src/engines/espeak/plugin.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { TestClient, joinAudio } from '../conformance/client.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';
import { startChildServer } from './child-server.js';
import { waitUntil } from './wait.js';

// The faults are planted in espeak-ng's worker, so the requests go to an espeak-ng voice.
const voice = ESPEAK_VOICE.uuid;
const MEDIUM_TEXT = 'The committee met on Tuesday to discuss the budget for the coming year. After a long debate it agreed on most points, and the chair thanked everyone for their patience. ';

describe('a worker that hangs mid-request', () => {
  let server: Voxwire;
  before(async () => {
    server = await startTestServer({ engineOverrides: [espeakPlugin({ workerEntry: FAULTY_WORKER })] });
  });
  after(async () => {
    await server.close();
  });

  it('the request gets SynthesisFailure after its first audio, the worker is replaced, other requests finish', async () => {
    const victim = await TestClient.connect(server.streamUrl);
    const others = await Promise.all([0, 1, 2].map(() => TestClient.connect(server.streamUrl)));
    // The first sentence is spoken, then the second segment hangs its worker.
    victim.send({ voice_uuid: voice, data: `Hello there, this part is fine. ${FAULTS.hang}`, request_id: 1, sample_rate: 16000 });
    victim.send({ voice_uuid: voice, data: 'And the next request on the same socket works.', request_id: 2, sample_rate: 16000 });
    others.forEach((client, index) => {
      for (let id = 0; id < 3; id += 1) client.send({ voice_uuid: voice, data: `${MEDIUM_TEXT.slice(0, 70)} Number ${index}.`, request_id: id, sample_rate: 16000 });
    });

    // Not a speed check: the hang alone takes the engine's 10 s watchdog, and on a busy machine the other nine
    // requests sharing the two workers can take as long again; the bound only turns a deadlock into a failure.
    const terminals = await victim.waitForTerminals(2, 120_000);
    const failed = victim.framesOf(1);
    assert.ok(failed.filter((frame) => frame.type === 'audio').length >= 1, 'audio of the first segment came before the hang');
    assert.deepEqual([terminals[0]!.type, terminals[0]!['error_name'], terminals[0]!['status_code']], ['error', 'SynthesisFailure', 500]);
    assert.equal(failed.filter((frame) => frame.type === 'audio_end').length, 0, 'no audio_end after the error');
    assert.equal(terminals[1]!.type, 'audio_end');
    parseSpeechWav(joinAudio(victim.framesOf(2)));

    for (const client of others) {
      const done = await client.waitForTerminals(3, 120_000);
      assert.deepEqual(done.map((frame) => frame.type), ['audio_end', 'audio_end', 'audio_end']);
      for (let id = 0; id < 3; id += 1) parseSpeechWav(joinAudio(client.framesOf(id)));
      client.close();
    }
    await waitUntil(() => {
      const stats = server.engines.statsByEngine().get('espeak-ng');
      return stats !== undefined && stats.idle === 2 && stats.busy === 0;
    }, 20_000, 'both workers ready again (the hung one replaced)');
    victim.close();
  });
});

describe('SIGTERM under load on `voxwire serve`', () => {
  it('running requests complete, new sockets are refused, sockets close with 1001, exit code 0', async () => {
    const child = await startChildServer(['--workers', '2', '--shutdown-grace-ms', '60000', '--log-level', 'info']);
    try {
      const clients = await Promise.all([0, 1, 2, 3].map(() => TestClient.connect(child.streamUrl)));
      clients.forEach((client, index) => client.send({ voice_uuid: voice, data: `${MEDIUM_TEXT}${index}.`, request_id: index, sample_rate: 16000, precision: 'PCM_16' }));
      // Load is real only once every request is producing audio.
      for (const client of clients) await client.waitFor(() => client.frames.some((frame) => frame.type === 'audio'));
      const cutOffs = clients.map((client) => client.terminals.length);
      child.process.kill('SIGTERM');
      await child.waitForLog((line) => typeof line['msg'] === 'string' && (line['msg'] as string).startsWith('shutting down'));

      const refused = await TestClient.connect(child.streamUrl).then(
        (client) => {
          client.close();
          return false;
        },
        () => true,
      );
      assert.ok(refused, 'a new socket is refused once shutdown started');

      for (const [index, client] of clients.entries()) {
        const terminals = await client.waitForTerminals(1);
        assert.equal(terminals[0]?.type, 'audio_end', `request ${index} finished during the grace period`);
        const { seconds } = parseSpeechWav(joinAudio(client.framesOf(index)));
        assert.ok(seconds > 5, `request ${index} got its whole audio (${seconds} s)`);
        assert.equal(await client.waitForClose(), 1001);
        assert.equal(cutOffs[index], 0, 'the request was still running when SIGTERM came');
      }
      assert.equal(await child.exited, 0, 'exit code 0');
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});
