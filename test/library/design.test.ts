/**
 * Voice design, measured on the decoded samples (protocol.md section 6): each attribute moves the audio the
 * right way against the engine's default voice, the three candidates differ audibly, the same prompt gives the
 * same bytes, and what is not understood is reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { FLITE_VOICES } from '../../src/engines/flite/voices.js';
import { voiceForLanguage } from '../../src/voices/catalogue.js';
import { f0SpreadSemitones, medianF0, pitchTrack, voicedShare } from '../engines/measure.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';
import { TestClient, joinTimestamps } from '../conformance/client.js';
import { parseSpeechWav, rms, startTestServer } from '../conformance/server.js';
import { send } from '../http/http-client.js';
import { api, design, KEY, sample, semitonesBetween, type Api, type Sample } from './helpers.js';

let server: Voxwire;
let client: Api;

before(async () => {
  server = await startTestServer({ apiKeys: [KEY] });
  client = api(server.url);
});
after(async () => {
  await server.close();
});

/** Candidate 0 of a prompt: the one that is exactly what the prompt says (1 and 2 are shifted ±1.5 semitones). */
async function first(prompt: string): Promise<Sample> {
  return sample(client, (await design(client, prompt)).voice_candidates[0]!);
}

const seconds = (audio: Sample): number => pitchTrack(audio.samples, audio.sampleRate).soundingFrames * 0.01;

/** A built-in voice saying the design's sample sentence through /synthesize at its engine's rate. */
async function builtIn(uuid: string, sampleRate: number): Promise<Sample> {
  const { status, json } = await client.call('/synthesize', { voice_uuid: uuid, data: 'Hello! This is how I sound when I read a short sentence aloud.', sample_rate: sampleRate, precision: 'PCM_16' });
  assert.equal(status, 200);
  const wav = parseWav(new Uint8Array(Buffer.from(json['audio_content'] as string, 'base64')));
  return { bytes: Buffer.alloc(0), samples: wavSamples(wav), sampleRate: wav.sampleRate };
}

describe('voice design moves the audio the way the prompt says', () => {
  it('pitch: "deep" is at least 3 semitones below "high-pitched", on either side of the default voice', async () => {
    const deep = await first('a deep male voice');
    const high = await first('a high-pitched male voice');
    const rmsVoice = FLITE_VOICES.find((voice) => voice.id === 'rms')!;
    const plain = await builtIn(voiceForLanguage('en-US', rmsVoice.gender, 'flite')!.uuid, 16000);
    const [deepF0, highF0, plainF0] = [deep, high, plain].map((audio) => medianF0(audio.samples, audio.sampleRate));
    assert.ok(semitonesBetween(highF0!, deepF0!) >= 3, `deep ${deepF0} Hz, high ${highF0} Hz`);
    assert.ok(deepF0! < plainF0! && plainF0! < highF0!, `deep ${deepF0} < default ${plainF0} < high ${highF0}`);
  });

  it('gender: a man and a woman land in their usual F0 ranges, on flite and on espeak-ng', async () => {
    for (const [prompt, low, high] of [
      ['a man', 70, 165],
      ['a woman', 150, 300],
      ['a british man', 70, 165],
      ['a british woman', 150, 300],
    ] as const) {
      const audio = await first(prompt);
      const f0 = medianF0(audio.samples, audio.sampleRate);
      assert.ok(f0 >= low && f0 <= high, `${prompt}: median F0 ${f0} Hz, expected ${low}–${high}`);
    }
  });

  it('variability: a monotone voice has under 60 % of the F0 spread of an expressive one', async () => {
    const mono = await first('a monotone british man');
    const lively = await first('an expressive british man');
    const monoSpread = f0SpreadSemitones(mono.samples, mono.sampleRate);
    const livelySpread = f0SpreadSemitones(lively.samples, lively.sampleRate);
    assert.ok(monoSpread < livelySpread * 0.6, `spread ${monoSpread} vs ${livelySpread} semitones`);
  });

  it('pace: slow speech lasts at least 25 % longer than fast speech, on both engines', async () => {
    for (const suffix of ['voice', 'british woman']) {
      const slow = seconds(await first(`a slow ${suffix}`));
      const fast = seconds(await first(`a fast ${suffix}`));
      assert.ok(slow >= fast * 1.25, `${suffix}: slow ${slow} s, fast ${fast} s`);
    }
  });

  it('loudness: a loud voice has over 1.5 times the RMS of a quiet one', async () => {
    const quiet = await first('a quiet woman');
    const loud = await first('a loud woman');
    assert.ok(rms(loud.samples) > rms(quiet.samples) * 1.5, `rms ${rms(quiet.samples)} vs ${rms(loud.samples)}`);
  });

  it('whisper: under half the voiced frames of the same voice unwhispered', async () => {
    const plain = await first('a british woman');
    const whisper = await first('a whispering british woman');
    const [plainShare, whisperShare] = [plain, whisper].map((audio) => voicedShare(audio.samples, audio.sampleRate));
    assert.ok(whisperShare! < plainShare! * 0.5, `voiced share ${plainShare} plain, ${whisperShare} whispered`);
  });

  it('accent: the same word is phonemised differently by a British and an American designed voice', async () => {
    const voiceOf = async (prompt: string): Promise<string> => {
      const answer = await design(client, prompt);
      assert.equal(answer.engine, 'espeak-ng');
      const { json } = await client.call(`/api/v2/voice-design/${answer.voice_candidates[0]!.uuid}/0/create_rapid_voice`, { voice_name: prompt });
      return json['voice_uuid'] as string;
    };
    const phonemes = async (voiceUuid: string): Promise<string> => {
      const socket = await TestClient.connect(server.streamUrl, { authorization: `Bearer ${KEY}` });
      try {
        socket.send({ voice_uuid: voiceUuid, data: 'water', sample_rate: 22050, precision: 'PCM_16', request_id: 1 });
        await socket.waitForTerminals(1);
        return joinTimestamps(socket.framesOf(1)).phon_chars.join(' ');
      } finally {
        socket.close();
      }
    };
    const british = await phonemes(await voiceOf('a british woman with an expressive voice'));
    const american = await phonemes(await voiceOf('an american woman with an expressive voice'));
    assert.notEqual(british, american);
    assert.ok(american.includes('ɾ') || american.includes('ɚ'), `American "water": ${american}`);
    assert.ok(british.includes('t'), `British "water": ${british}`);
  });
});

describe('candidates', () => {
  it('differ pairwise by at least a semitone, and the same prompt gives byte-identical samples', async () => {
    for (const prompt of ['a calm woman', 'an old british woman']) {
      const answer = await design(client, prompt);
      const samples = await Promise.all(answer.voice_candidates.map((candidate) => sample(client, candidate)));
      const f0s = samples.map((audio) => medianF0(audio.samples, audio.sampleRate));
      for (let a = 0; a < 3; a += 1) {
        for (let b = a + 1; b < 3; b += 1) {
          assert.ok(!samples[a]!.bytes.equals(samples[b]!.bytes), `${prompt}: candidates ${a} and ${b} are the same audio`);
          assert.ok(semitonesBetween(f0s[a]!, f0s[b]!) >= 1, `${prompt}: candidates ${a} and ${b} at ${f0s[a]} and ${f0s[b]} Hz`);
        }
      }
      const again = await design(client, prompt);
      assert.deepEqual(again.voice_candidates, answer.voice_candidates, 'the same prompt, the same design');
      const repeated = await Promise.all(again.voice_candidates.map((candidate) => sample(client, candidate)));
      repeated.forEach((audio, index) => assert.ok(audio.bytes.equals(samples[index]!.bytes), `${prompt}: candidate ${index} changed`));
    }
  });

  it('all keep the hard constraints: gender and whisper', async () => {
    const answer = await design(client, 'a whispering man with a british accent');
    assert.deepEqual(answer.matched_attributes, ['gender: male', 'accent: en-GB', 'quality: whisper']);
    for (const candidate of answer.voice_candidates) {
      const audio = await sample(client, candidate);
      assert.ok(voicedShare(audio.samples, audio.sampleRate) < 0.4, `candidate ${candidate.voice_sample_index} is not whispered`);
    }
  });

  it('samples need the key, like the API', async () => {
    const answer = await design(client, 'a woman');
    const path = new URL(answer.voice_candidates[0]!.audio_url).pathname;
    assert.equal((await client.raw(path, {})).status, 401);
    assert.equal((await client.raw(`${path}?api_key=${KEY}`, {})).status, 200);
  });
});

describe('what the prompt says that voxwire does not understand', () => {
  it('nothing understood: 422 naming the vocabulary', async () => {
    const { status, json } = await client.call('/api/v2/voice-design', { user_prompt: 'sounds like a dragon in a cave' });
    assert.equal(status, 422);
    assert.equal(json['success'], false);
    const message = json['message'] as string;
    for (const word of ['gender', 'age', 'accent', 'pitch', 'variability', 'pace', 'loudness', 'breathy', 'whisper', 'raspy', 'scottish']) assert.ok(message.includes(word), `the 422 names ${word}: ${message}`);
  });

  it('half understood: what was understood is used, the rest is listed', async () => {
    const answer = await design(client, 'A calm woman who sounds like a dragon in a cave, very slow');
    assert.ok(answer.matched_attributes.includes('gender: female'));
    assert.ok(answer.matched_attributes.includes('style: calm'));
    assert.ok(answer.matched_attributes.some((entry) => entry.startsWith('pace: -')));
    assert.deepEqual(answer.ignored_phrases, ['like a dragon in a cave']);
  });

  it('a missing prompt is InvalidRequest; a form body is read like JSON', async () => {
    const { status, json } = await client.call('/api/v2/voice-design', {});
    assert.equal(status, 400);
    assert.equal(json['error_name'], 'InvalidRequest');
    const response = await fetch(`${server.url}/api/v2/voice-design`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: new URLSearchParams({ user_prompt: 'a woman', is_voice_design_trial: 'true' }) });
    assert.equal(response.status, 200);
  });
});

describe('promotion and the list of designs', () => {
  it('create_rapid_voice (202), its alias …/create, and POST /api/v2/voice-design/create (200) each make a voice usable at once; GET lists the design', async () => {
    const answer = await design(client, 'an energetic young woman');
    const uuid = answer.voice_candidates[0]!.uuid;
    const rapid = await client.call(`/api/v2/voice-design/${uuid}/0/create_rapid_voice`, { voice_name: 'Rapid' });
    const alias = await client.call(`/api/v2/voice-design/${uuid}/1/create`, { voice_name: 'Alias' });
    const plain = await client.call('/api/v2/voice-design/create', { uuid, voice_sample_index: 2, name: 'Plain' });
    assert.deepEqual([rapid.status, alias.status, plain.status], [202, 202, 200]);
    for (const made of [rapid, alias, plain]) {
      const voiceUuid = made.json['voice_uuid'] as string;
      const { status, json } = await client.call('/synthesize', { voice_uuid: voiceUuid, data: 'Ready at once.', sample_rate: 16000, precision: 'PCM_16' });
      assert.equal(status, 200, JSON.stringify(json));
    }
    const streamed = await send(server.url, '/stream', { headers: { authorization: `Bearer ${KEY}` }, body: { voice_uuid: rapid.json['voice_uuid'], data: 'Streamed at once.', sample_rate: 16000, precision: 'PCM_16' } });
    assert.equal(streamed.status, 200);
    parseSpeechWav(streamed.raw);
    const bad = await client.call(`/api/v2/voice-design/${uuid}/3/create`, { voice_name: 'Too far' });
    assert.equal(bad.json['error_name'], 'InvalidRequest');
    const unknown = await client.call('/api/v2/voice-design/create', { uuid: '00000000-0000-5000-8000-000000000000', voice_sample_index: 0, name: 'Nobody' });
    assert.equal(unknown.status, 404);
    const { json } = await client.call('/api/v2/voice-design');
    const listed = (json['voice_designs'] as Record<string, unknown>[]).find((entry) => entry['uuid'] === uuid);
    assert.ok(listed, 'the design is listed');
    assert.equal(listed['prompt_text'], 'an energetic young woman');
    assert.deepEqual((listed['preview_samples'] as { sample_index: number }[]).map((entry) => entry.sample_index), [0, 1, 2]);
  });
});
