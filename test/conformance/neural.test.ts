/**
 * The contract on the neural voices (Piper and Kokoro test voices installed in the server's data folder),
 * beside the formats, rates and timestamps of audio.test.ts: timestamps that come from the model's own
 * alignment output, a request whose client leaves stops the engine, and the errors a neural voice gives.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { NEUTRAL_PROSODY } from '../../src/engines/engine.js';
import type { Voice } from '../../src/voices/catalogue.js';
import { renderSegment } from '../engines/measure.js';
import { NEURAL_DATA_DIR, NEURAL_ENGINES_UNDER_TEST, startEngineFor } from '../support/engines.js';
import { joinTimestamps, TestClient, type JsonFrame } from './client.js';
import { engineIdle, sharedServerAndClient } from './server.js';

const fixture = sharedServerAndClient({ dataDir: NEURAL_DATA_DIR });
let nextId = 1;

async function request(voice: Voice, fields: Record<string, unknown>): Promise<JsonFrame[]> {
  const id = nextId++;
  fixture.client.send({ voice_uuid: voice.uuid, request_id: id, ...fields });
  await fixture.client.waitFor(() => fixture.client.framesOf(id).some((frame) => frame.type === 'audio_end' || frame.type === 'error'), 60_000);
  return fixture.client.framesOf(id);
}

for (const under of NEURAL_ENGINES_UNDER_TEST) describe(`on ${under.id} (${under.voice.name})`, () => {
  const voice = under.voice;
  // An output rate that is a whole multiple of the model's (22050 → 22050, 24000 → 48000): no rounding between grids.
  const outputRate = voice.sampleRate === 24000 ? 48000 : voice.sampleRate;

  describe('timestamps', () => {
    let engineStarts: number[];
    const text = 'Timing comes from the model itself.';
    before(async () => {
      const engine = await startEngineFor(voice);
      try {
        const rendered = await renderSegment(engine, { voice: voice.spec, text, prosody: NEUTRAL_PROSODY });
        engineStarts = rendered.phonemes.filter((phoneme) => phoneme.ipa !== '').map((phoneme) => phoneme.sample / voice.sampleRate);
      } finally {
        await engine.close();
      }
    });

    it('phoneme starts are the alignment output\'s (frames per id), not an even share of the audio', async () => {
      const frames = await request(voice, { data: text, sample_rate: outputRate, precision: 'PCM_16' });
      assert.equal(frames.at(-1)?.type, 'audio_end');
      const stamps = joinTimestamps(frames);
      assert.equal(stamps.graph_chars.join(''), text);
      const starts = stamps.phon_chars.flatMap((phoneme, index) => (phoneme === '' ? [] : [stamps.phon_times[index]![0]]));
      assert.equal(starts.length, engineStarts.length, 'one timestamp per phoneme the engine reported');
      starts.forEach((start, index) => assert.ok(Math.abs(start - engineStarts[index]!) < 1.5 / outputRate, `phoneme ${index}: ${start} s vs the engine's ${engineStarts[index]} s`));
      // The test models give ids different durations ((id mod 5) + 1 frames, or (id mod 3) + 1): an even share would not.
      const lengths = new Set(stamps.phon_times.map(([start, end]) => Math.round((end - start) * outputRate)));
      assert.ok(lengths.size > 2, `phoneme lengths ${[...lengths].join(', ')} samples`);
    });
  });

  describe('cancellation', () => {
    it('a client that leaves mid-request stops the engine; the server serves the next client', async () => {
      const client = await TestClient.connect(fixture.server.streamUrl);
      const long = Array.from({ length: 60 }, (_, index) => `Sentence ${index} keeps the engine busy for a while.`).join(' ');
      client.send({ voice_uuid: voice.uuid, data: long, request_id: 1, sample_rate: outputRate });
      await client.waitFor(() => client.frames.some((frame) => frame.type === 'audio'), 60_000);
      client.close();
      const deadline = Date.now() + 30_000;
      while (!engineIdle(fixture.server) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(engineIdle(fixture.server), 'the engine stopped the segment of a client that left');
      const frames = await request(voice, { data: 'Still here.', sample_rate: outputRate });
      assert.equal(frames.at(-1)?.type, 'audio_end');
    });
  });

  describe('errors', () => {
    const cases: [string, string, string, RegExp][] = [
      ['<prosody pitch>', '<speak><prosody pitch="high">Up.</prosody></speak>', 'InvalidSSML', new RegExp(under.id)],
      ['<phoneme>', '<speak><phoneme alphabet="ipa" ph="təmˈɑːtoʊ">tomato</phoneme></speak>', 'InvalidSSML', new RegExp(under.id)],
      ['a language only another engine speaks', '<speak>Hello <lang xml:lang="fr-FR">bonjour</lang></speak>', 'InvalidSSML', new RegExp(under.id)],
      ['text over 3,000 characters', 'a '.repeat(1600), 'TextTooLong', /./u],
    ];
    for (const [name, data, errorName, message] of cases) {
      it(`${errorName} for ${name}, and the socket goes on`, async () => {
        const frames = await request(voice, { data, sample_rate: outputRate });
        assert.equal(frames.length, 1, 'an error and no audio');
        assert.equal(frames[0]!['error_name'], errorName);
        assert.match(String(frames[0]!['message']), message);
        const next = await request(voice, { data: 'Next.', sample_rate: outputRate });
        assert.equal(next.at(-1)?.type, 'audio_end');
      });
    }
  });
});
