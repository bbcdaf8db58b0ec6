/**
 * POST /stream over real HTTP: the streaming WAV (44-byte header with open sizes, then PCM, chunked) and
 * the timestamped WAV, parsed back with the test-side reader and checked against /synthesize.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { decodeMp3 } from '../audio/mpeg.js';
import { wavSamples } from '../audio/wav-reader.js';
import { DEFAULT_VOICE } from '../conformance/client.js';
import { parseSpeechWav, rms, startTestServer } from '../conformance/server.js';
import { jsonOf, send, type SynthesizeBody } from './http-client.js';

const TEXT = 'Streaming speech, with timestamps.';
/** Run-to-run jitter of the engine's timing that two separate syntheses of one request may show. */
const JITTER_SECONDS = 0.005;
let voxwire: Voxwire;

before(async () => {
  voxwire = await startTestServer({ workers: 1, perKeyConnections: 1 });
});
after(async () => {
  await voxwire.close();
});

test('default /stream: chunked audio/wav, a 44-byte header with sizes 0xFFFFFFFF, then speech', async () => {
  const response = await send(voxwire.url, '/stream', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: TEXT, sample_rate: 32000 } });
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'audio/wav');
  assert.equal(response.headers['transfer-encoding'], 'chunked');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.ok(response.reads > 1, `the body arrived in ${response.reads} reads: it was streamed`);
  const { wav, seconds } = parseSpeechWav(response.raw);
  assert.equal(wav.dataOffset, 44);
  assert.equal(wav.riffSize, 0xffffffff);
  assert.equal(wav.chunks.find((chunk) => chunk.id === 'data')?.size, 0xffffffff);
  assert.deepEqual([wav.formatTag, wav.bitsPerSample, wav.sampleRate], [1, 32, 32000], 'precision defaults to PCM_32');
  assert.equal(wav.data.length % 4, 0, 'whole samples');
  assert.ok(seconds > 1, `${seconds} s of speech`);
});

test('/stream with output_format mp3 streams audio/mpeg that decodes to speech', async () => {
  const response = await send(voxwire.url, '/stream', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: TEXT, output_format: 'mp3', sample_rate: 22050 } });
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'audio/mpeg');
  const decoded = await decodeMp3(response.raw);
  assert.equal(decoded.errors, 0);
  assert.ok(rms(decoded.samples) > 0.02);
});

test('wav_encoded_timestamps: cue and LIST/adtl/ltxt before the data; every grapheme and phoneme at the offsets /synthesize reports', async () => {
  const rate = 16000;
  const request = { voice_uuid: DEFAULT_VOICE.uuid, data: TEXT, sample_rate: rate, precision: 'PCM_16' };
  const streamed = await send(voxwire.url, '/stream', { body: { ...request, wav_encoded_timestamps: true } });
  assert.equal(streamed.status, 200);
  assert.equal(streamed.headers['content-type'], 'audio/wav');
  const { wav, seconds } = parseSpeechWav(streamed.raw);
  assert.deepEqual(wav.chunks.map((chunk) => chunk.id), ['fmt ', 'cue ', 'LIST', 'data'], 'the contract order: fmt, cue, LIST, then data');
  assert.equal(wav.chunks[0]!.offset, 12, 'RIFF/WAVE/fmt is the 36-byte header');
  assert.ok(wav.labelChunks.every((chunk) => chunk.id === 'ltxt'));

  const synthesized = jsonOf(await send(voxwire.url, '/synthesize', { body: request })) as unknown as SynthesizeBody;
  const stamps = synthesized.audio_timestamps;
  const graphemes = wav.cues.filter((cue) => cue.purpose === 'grph');
  const phonemes = wav.cues.filter((cue) => cue.purpose === 'phon');
  assert.equal(graphemes.length + phonemes.length, wav.cues.length, 'every cue is a grapheme or a phoneme');
  assert.equal(graphemes.map((cue) => cue.text).join(''), TEXT, 'every grapheme of the text, in order');
  assert.deepEqual(graphemes.map((cue) => cue.text), stamps.graph_chars);
  assert.deepEqual(phonemes.map((cue) => cue.text), stamps.phon_chars, 'the same phonemes as /synthesize');
  assert.ok(phonemes.length > 10);

  // The engine's timing jitters by a few samples from one run to the next (a word boundary moved by 1 ms
  // moves every letter of that word), so two syntheses of one request agree to within JITTER_SECONDS.
  const toleranceSamples = Math.round(JITTER_SECONDS * rate);
  const samples = wavSamples(wav).length;
  assert.ok(Math.abs(samples - Math.round(synthesized.duration * rate)) <= toleranceSamples, 'as long as the audio of /synthesize');
  const check = (cues: typeof graphemes, times: [number, number][], kind: string): void => {
    cues.forEach((cue, index) => {
      const [start, end] = times[index]!;
      const offset = Math.round(start * rate);
      const length = Math.round(end * rate) - offset;
      assert.ok(Math.abs(cue.sampleOffset - offset) <= toleranceSamples, `${kind} ${index} "${cue.text}" at sample ${cue.sampleOffset}, /synthesize says ${offset}`);
      assert.ok(Math.abs(cue.lengthSamples - length) <= toleranceSamples, `${kind} ${index} "${cue.text}" lasts ${cue.lengthSamples}, /synthesize says ${length}`);
      assert.equal(cue.position, cue.sampleOffset);
      assert.ok(cue.sampleOffset + cue.lengthSamples <= samples, `${kind} ${index} lies within the audio`);
    });
  };
  check(graphemes, stamps.graph_times, 'grapheme');
  check(phonemes, stamps.phon_times, 'phoneme');
  assert.ok(seconds > 1);
});

test('wav_encoded_timestamps keeps non-ASCII text intact and refuses mp3 and non-booleans', async () => {
  const text = 'Café, naïve — ok.';
  const response = await send(voxwire.url, '/stream', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: text, sample_rate: 8000, precision: 'MULAW', wav_encoded_timestamps: true } });
  assert.equal(response.status, 200);
  const { wav } = parseSpeechWav(response.raw);
  assert.equal(wav.formatTag, 7);
  assert.equal(wav.cues.filter((cue) => cue.purpose === 'grph').map((cue) => cue.text).join(''), text);

  for (const extra of [{ output_format: 'mp3', wav_encoded_timestamps: true }, { wav_encoded_timestamps: 'yes' }]) {
    const refused = await send(voxwire.url, '/stream', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', ...extra } });
    assert.equal(refused.status, 400);
    assert.equal(jsonOf(refused)['error_name'], 'InvalidRequest');
  }
});

test('/stream errors come before any audio, as JSON', async () => {
  for (const [body, status, name] of [
    [{ voice_uuid: 'nope', data: 'Hi.' }, 404, 'VoiceNotFound'],
    [{ voice_uuid: DEFAULT_VOICE.uuid, data: 'x'.repeat(2001) }, 400, 'TextTooLong'],
    [{ voice_uuid: DEFAULT_VOICE.uuid }, 400, 'BadJSON'],
  ] as const) {
    const response = await send(voxwire.url, '/stream', { body });
    assert.equal(response.status, status);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(jsonOf(response)['error_name'], name);
  }
});

test('a client that leaves mid-stream gives its slot back (the only slot: perKeyConnections 1)', async () => {
  const long = 'This sentence is long enough to keep the engine busy for a while. '.repeat(25);
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(new URL('/stream', voxwire.url), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      assert.equal(res.statusCode, 200);
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.once('error', reject);
    req.end(JSON.stringify({ voice_uuid: DEFAULT_VOICE.uuid, data: long }));
  });
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
    const response = await send(voxwire.url, '/api/v2/voices');
    status = response.status;
    if (status === 429) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, 200, 'the abandoned request released its slot');
});
