/** POST /synthesize over real HTTP: complete files that decode, timestamps, compression and every error. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { decodeMp3, splitFrames } from '../audio/mpeg.js';
import { DEFAULT_VOICE } from '../conformance/client.js';
import { assertTimestampInvariants, parseSpeechWav, rms, startTestServer } from '../conformance/server.js';
import { jsonOf, send, type RawResponse, type SynthesizeBody } from './http-client.js';

const TEXT = 'Hello world, this is voxwire.';
let voxwire: Voxwire;

before(async () => {
  voxwire = await startTestServer({ workers: 1 });
});
after(async () => {
  await voxwire.close();
});

function assertSecurityHeaders(response: RawResponse): void {
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);
}

test('a WAV comes back whole: 44-byte header with real sizes, speech, duration and timestamps that fit it', async () => {
  const response = await send(voxwire.url, '/synthesize', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: TEXT, sample_rate: 22050, precision: 'PCM_16', title: 'greeting' } });
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assertSecurityHeaders(response);
  const body = jsonOf(response) as unknown as SynthesizeBody;
  assert.equal(body.success, true);
  assert.deepEqual([body.output_format, body.sample_rate, body.seed, body.title, body.issues], ['wav', 22050, 0, 'greeting', []]);
  assert.ok(body.synth_duration >= 0 && body.synth_duration < 60);

  const file = Buffer.from(body.audio_content, 'base64');
  const { wav, seconds } = parseSpeechWav(file);
  assert.deepEqual(wav.chunks.map((chunk) => chunk.id), ['fmt ', 'data'], 'a plain 44-byte header: fmt then data');
  assert.equal(wav.dataOffset, 44);
  assert.equal(wav.riffSize, file.length - 8, 'RIFF size is real');
  assert.equal(wav.dataSize, file.length - 44, 'data size is real');
  assert.deepEqual([wav.formatTag, wav.sampleRate, wav.bitsPerSample, wav.channels], [1, 22050, 16, 1]);
  assert.ok(Math.abs(body.duration - seconds) < 1e-9, `duration ${body.duration} is the file's ${seconds} s`);
  assert.ok(seconds > 1 && seconds < 5, `about two seconds of speech, got ${seconds}`);
  assertTimestampInvariants(body.audio_timestamps, TEXT, body.duration);
});

test('an MP3 comes back as whole frames that decode to speech as long as `duration` says', async () => {
  const response = await send(voxwire.url, '/synthesize', { body: { voice_uuid: DEFAULT_VOICE.uuid, data: TEXT, output_format: 'mp3', sample_rate: 44100 } });
  assert.equal(response.status, 200);
  const body = jsonOf(response) as unknown as SynthesizeBody;
  assert.equal(body.output_format, 'mp3');
  assert.equal(body.title, null);
  const file = Buffer.from(body.audio_content, 'base64');
  const frames = splitFrames(file);
  assert.ok(frames.length > 10);
  const decoded = await decodeMp3(file);
  assert.equal(decoded.errors, 0);
  assert.equal(decoded.sampleRate, 44100);
  assert.ok(rms(decoded.samples) > 0.02, 'the MP3 holds speech');
  const frameSeconds = 1152 / 44100;
  assert.ok(Math.abs(body.duration - decoded.samples.length / 44100) <= frameSeconds, `duration ${body.duration} vs decoded ${decoded.samples.length / 44100}`);
  assertTimestampInvariants(body.audio_timestamps, TEXT, body.duration);
});

test('the body is compressed with the encoding Accept-Encoding asks for, and only then', async () => {
  const request = { voice_uuid: DEFAULT_VOICE.uuid, data: 'Compression.', sample_rate: 16000, precision: 'PCM_16' };
  const plain = await send(voxwire.url, '/synthesize', { body: request });
  assert.equal(plain.headers['content-encoding'], undefined);
  const expected = (jsonOf(plain) as unknown as SynthesizeBody).audio_timestamps.graph_chars.join('');
  for (const [accept, encoding] of [['gzip', 'gzip'], ['br', 'br'], ['deflate', 'deflate'], ['gzip;q=0, deflate', 'deflate'], ['gzip, br', 'br'], ['identity', undefined]] as const) {
    const response = await send(voxwire.url, '/synthesize', { body: request, headers: { 'accept-encoding': accept } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-encoding'], encoding, `Accept-Encoding: ${accept}`);
    assert.equal(response.headers['vary'], 'Accept-Encoding');
    if (encoding !== undefined) assert.ok(response.raw.length < plain.raw.length, `${encoding} makes the body smaller`);
    const body = jsonOf(response) as unknown as SynthesizeBody;
    assert.equal(body.audio_timestamps.graph_chars.join(''), expected, `${accept}: the same response after decompression`);
    parseSpeechWav(Buffer.from(body.audio_content, 'base64'));
  }
});

const ERRORS: readonly { readonly name: string; readonly body: string | Record<string, unknown>; readonly status: number; readonly error: string }[] = [
  { name: 'not JSON', body: '{"voice_uuid": ', status: 400, error: 'BadJSON' },
  { name: 'a JSON array', body: '[1, 2]', status: 400, error: 'BadJSON' },
  { name: 'empty data', body: { voice_uuid: DEFAULT_VOICE.uuid, data: '' }, status: 400, error: 'BadJSON' },
  { name: 'a sample rate outside the list', body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', sample_rate: 12345 }, status: 400, error: 'InvalidRequest' },
  { name: 'an unknown precision', body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', precision: 'PCM_8' }, status: 400, error: 'InvalidRequest' },
  { name: 'text over 2,000 characters', body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'a'.repeat(2001) }, status: 400, error: 'TextTooLong' },
  { name: 'SSML that does not parse', body: { voice_uuid: DEFAULT_VOICE.uuid, data: '<speak><s>Hi</speak>' }, status: 400, error: 'InvalidSSML' },
  { name: 'an unknown voice', body: { voice_uuid: '00000000-0000-4000-8000-000000000000', data: 'Hi.' }, status: 404, error: 'VoiceNotFound' },
  { name: 'a body over 64 KiB', body: { voice_uuid: DEFAULT_VOICE.uuid, data: 'Hi.', padding: 'x'.repeat(70_000) }, status: 413, error: 'MessageTooLarge' },
];

for (const { name, body, status, error } of ERRORS) {
  test(`/synthesize with ${name} → ${status} ${error}, in the error shape, without internals`, async () => {
    const response = await send(voxwire.url, '/synthesize', { body });
    assert.equal(response.status, status);
    assertSecurityHeaders(response);
    const json = jsonOf(response);
    assert.equal(json['success'], false);
    assert.equal(json['error_name'], error);
    assert.equal(typeof json['message'], 'string');
    assert.deepEqual(json['issues'], [json['message']]);
    assert.doesNotMatch(String(json['message']), /\bat \S+:\d+|\/work\/|node_modules|\.ts\b/, 'no stack trace or path');
    const params = json['error_params'] as Record<string, unknown> | undefined;
    if (error === 'InvalidRequest') assert.ok(typeof params?.['field'] === 'string' && Array.isArray(params['allowed']), 'details as on WebSocket');
    if (error === 'InvalidSSML') assert.ok(typeof params?.['line'] === 'number' && typeof params['column'] === 'number');
  });
}

test('2,000 characters not counting tags are accepted: the limit counts spoken text', async () => {
  const data = `<speak>${'<s>'.repeat(1)}${'a '.repeat(1000).trimEnd()}.</s></speak>`;
  assert.equal(data.replace(/<[^>]+>/g, '').length, 2000);
  const response = await send(voxwire.url, '/synthesize', { body: { voice_uuid: DEFAULT_VOICE.uuid, data, sample_rate: 8000, precision: 'MULAW' } });
  assert.equal(response.status, 200, bodyText(response));
});

test('an unknown path is 404 and a wrong method is 405 with Allow, both as JSON errors with the security headers', async () => {
  const missing = await send(voxwire.url, '/v2/nothing');
  assert.equal(missing.status, 404);
  assert.equal(jsonOf(missing)['success'], false);
  assertSecurityHeaders(missing);
  const wrong = await send(voxwire.url, '/synthesize', { method: 'GET' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers['allow'], 'POST');
  assert.equal(jsonOf(wrong)['error_name'], 'MethodNotAllowed');
  assertSecurityHeaders(wrong);
  const voices = await send(voxwire.url, '/api/v2/voices', { method: 'DELETE' });
  assert.equal(voices.status, 405);
  assert.equal(voices.headers['allow'], 'GET, POST', 'voices are listed and created there; DELETE takes a uuid');
});

function bodyText(response: RawResponse): string {
  return response.raw.toString('utf8').slice(0, 300);
}

test('the longest answer the limits allow (48 kHz PCM_32) is written without holding the event loop', async () => {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  // 2,000 written characters (the HTTP limit) of plain words, at the largest sample size: minutes of audio,
  // tens of MB of base64. Its rendering yields in slices; the answer must too.
  const data = Array.from({ length: 400 }, (_, index) => `w${index % 10}rd`).join(' ').slice(0, 2000);
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  idle.disable();
  const loaded = monitorEventLoopDelay({ resolution: 5 });
  loaded.enable();
  // The client shares this process's event loop: it keeps the body's pieces and joins them only afterwards.
  const { status, pieces } = await new Promise<{ status: number; pieces: Buffer[] }>((resolve, reject) => {
    const request = http.request(`${voxwire.url}/synthesize`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (response) => {
      const pieces: Buffer[] = [];
      response.on('data', (piece: Buffer) => pieces.push(piece));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, pieces }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(JSON.stringify({ voice_uuid: DEFAULT_VOICE.uuid, data, sample_rate: 48000, precision: 'PCM_32' }));
  });
  loaded.disable();
  assert.equal(status, 200);
  const body = JSON.parse(Buffer.concat(pieces).toString('utf8')) as SynthesizeBody;
  const bytes = Buffer.from(body.audio_content, 'base64').length;
  assert.ok(bytes > 10_000_000, `a large answer (${bytes} bytes of audio)`);
  assert.equal(bytes, 44 + Math.round(body.duration * 48000) * 4, 'the whole file arrived');
  const worstMs = loaded.max / 1e6;
  const idleMs = idle.max / 1e6;
  assert.ok(worstMs < Math.max(150, 3 * idleMs + 20), `event loop held ${worstMs.toFixed(0)} ms at worst (idle worst ${idleMs.toFixed(0)} ms)`);
});
