/**
 * The client's voice-design calls against a real server, and the kept voice spoken.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { VoxwireApiError, VoxwireClient, VoxwireHttp, wavFileFromChunks, type AudioChunk } from '../../src/client/index.js';
import type { Voxwire } from '../../src/app.js';
import { parseSpeechWav, startTestServer } from '../conformance/server.js';

let server: Voxwire;
before(async () => {
  server = await startTestServer({ workers: 1 });
});
after(() => server.close());

it('a prompt gives three candidates whose audio can be fetched; one is kept as a voice that speaks', async () => {
  const http = new VoxwireHttp({ url: server.url });
  const prompt = 'A young woman with a high, expressive voice, speaking fast.';
  const design = await http.designVoice(prompt);
  assert.equal(design.voice_candidates.length, 3);
  const designUuid = design.voice_candidates[0]!.uuid;
  assert.ok(design.voice_candidates.every((candidate, i) => candidate.uuid === designUuid && candidate.voice_sample_index === i));
  const durations = [];
  for (const candidate of design.voice_candidates) durations.push(parseSpeechWav(await http.fetchAudio(candidate.audio_url)).seconds);
  assert.ok(durations.every((seconds) => seconds > 0.5));
  assert.deepEqual((await http.designVoice(prompt)).voice_candidates, design.voice_candidates, 'the same prompt gives the same candidates');
  const listed = await http.voiceDesigns();
  assert.ok(listed.voice_designs.some((entry) => entry.uuid === designUuid && entry.prompt_text === prompt));
  const uuid = await http.createDesignedVoice(designUuid, 1, 'Client-kept voice');
  const voice = await http.voice(uuid);
  assert.equal(voice.name, 'Client-kept voice');
  assert.ok((await http.allVoices()).some((entry) => entry.uuid === uuid));
  const client = await VoxwireClient.connect({ url: server.url });
  try {
    const chunks: AudioChunk[] = [];
    for await (const chunk of client.speak({ voice_uuid: uuid, data: 'I was designed from a prompt.', sample_rate: 16000 })) chunks.push(chunk);
    assert.ok(parseSpeechWav(wavFileFromChunks(chunks.map((chunk) => chunk.audio))).seconds > 0.5);
  } finally {
    client.close();
  }
});

it('a prompt in which nothing is understood is a 422 naming what is', async () => {
  await assert.rejects(new VoxwireHttp({ url: server.url }).designVoice('qwzx plorf'), (error: unknown) => {
    assert.ok(error instanceof VoxwireApiError);
    assert.equal(error.status, 422);
    assert.match(error.message, /gender|age|accent|pitch/i);
    return true;
  });
});
