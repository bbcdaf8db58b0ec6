/**
 * The OpenAI-compatible speech API driven by the official `openai` npm SDK, unchanged but for its `baseURL`:
 * every response format, chunked streaming and server-sent events, decoded by Debian's ffmpeg (an
 * independent decoder) and measured; one English sample transcribed by pocketsphinx; OpenAI-shaped errors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Voxwire } from '../../src/app.js';
import { encodePcm } from '../../src/audio/pcm.js';
import { wavFile } from '../../src/audio/wav.js';
import { createLogger } from '../../src/cli/log-output.js';
import { decodeWithFfmpeg, type Decoded } from '../audio/ffmpeg.js';
import { engineIdle, rms, startTestServer } from '../conformance/server.js';
import { editDistance, recognize, words } from '../support/recognizer.js';
import { f0SpreadSemitones, voicedShare } from '../engines/measure.js';

/** Harvard sentences (list 1); rms reads them in about 8 s. */
const TEXT = 'The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. It is easy to tell the depth of a well.';
const RMS_UUID = '7e8363a0-4ff9-5915-8d91-cd07fd20ca29';
const AVA_UUID = 'a76430b5-be28-530d-9a70-1f35ba2efa75';

/** How ffmpeg reads each response format, headerless PCM with its rate and layout said. */
const DEMUXERS = {
  mp3: ['mp3'],
  opus: ['ogg'],
  aac: ['aac'],
  flac: ['flac'],
  wav: ['wav'],
  pcm: ['s16le', '-ar', '24000', '-ac', '1'],
} as const;
type Format = keyof typeof DEMUXERS;
const FORMATS = Object.keys(DEMUXERS) as Format[];

function decode(bytes: Uint8Array, format: Format, outputOptions: readonly string[] = []): Promise<Decoded> {
  const [demuxer, ...input] = DEMUXERS[format];
  return decodeWithFfmpeg(bytes, demuxer, input, outputOptions);
}

const seconds = (decoded: Decoded): number => decoded.samples.length / decoded.sampleRate;
const level = (decoded: Decoded): number => rms(Array.from(decoded.samples, (sample) => sample / 32768));

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

let server: Voxwire;
let client: OpenAI;
/** The server's log records (JSON lines). */
const logged: Record<string, unknown>[] = [];

before(async () => {
  const output = { isTTY: false, write: (text: string) => logged.push(JSON.parse(text) as Record<string, unknown>) > 0 };
  server = await startTestServer({ logger: createLogger('info', 'json', output) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-checked-on-a-keyless-loopback-server' });
});
after(async () => {
  await server.close();
});

describe('POST /v1/audio/speech through the openai SDK', () => {
  const decoded = new Map<Format, Decoded>();

  it('creates speech in every response format at 24 kHz, each decoding to the same speech', async () => {
    for (const format of FORMATS) {
      const response = await client.audio.speech.create({ model: 'tts-1', voice: 'onyx', input: TEXT, response_format: format });
      const audio = await decode(await bytesOf(response), format);
      assert.equal(audio.errors, '', `${format}: ffmpeg reported ${audio.errors}`);
      assert.equal(audio.sampleRate, format === 'opus' ? 48000 : 24000, `${format} rate`);
      decoded.set(format, audio);
    }
    const reference = decoded.get('wav')!;
    assert.ok(seconds(reference) > 5 && seconds(reference) < 15, `three sentences last ${seconds(reference)} s`);
    assert.ok(level(reference) > 0.03, `speech RMS ${level(reference)}`);
    for (const format of FORMATS) {
      const audio = decoded.get(format)!;
      // Codec delay and padding add at most a frame or two (AAC: 1,024 samples of priming and a frame).
      assert.ok(Math.abs(seconds(audio) - seconds(reference)) < 0.15, `${format} lasts ${seconds(audio)} s, WAV ${seconds(reference)} s`);
      assert.ok(Math.abs(level(audio) - level(reference)) < 0.25 * level(reference), `${format} RMS ${level(audio)}, WAV ${level(reference)}`);
    }
    assert.deepEqual(decoded.get('pcm')!.samples, reference.samples, 'pcm is the WAV without its header');
  });

  it('holds the words: pocketsphinx transcribes the MP3 of an English sample', async (context) => {
    const mp3 = await bytesOf(await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'onyx', input: TEXT }));
    const audio = await decode(mp3, 'mp3', ['-ar', '16000']);
    const folder = await mkdtemp(join(tmpdir(), 'voxwire-openai-'));
    try {
      const file = join(folder, 'sample.wav');
      await writeFile(file, wavFile({ format: 'wav', sampleRate: 16000, precision: 'PCM_16' }, encodePcm(audio.samples, 'PCM_16')));
      const reference = words(TEXT);
      const heard = words(await recognize(file));
      const wer = editDistance(reference, heard) / reference.length;
      context.diagnostic(`pocketsphinx heard "${heard.join(' ')}": WER ${wer.toFixed(3)}`);
      // rms reads ten Harvard sentences at 0.175 WER (intelligibility test); silence or noise would be near 1.
      assert.ok(wer < 0.5, `WER ${wer}`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('streams: the first bytes arrive while the engine is still speaking, and leaving stops it', async () => {
    const long = Array.from({ length: 12 }, () => TEXT).join(' ');
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'onyx', input: long, response_format: 'pcm', stream_format: 'audio' });
    assert.equal(response.headers.get('content-type'), 'audio/pcm;rate=24000');
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value !== undefined && first.value.length > 0, 'a first chunk of audio');
    // A minute and a half of audio (4 MB of PCM) cannot be done yet: the engine is working or waiting for this reader.
    assert.equal(engineIdle(server), false, 'the engine still has this request when its first bytes arrive');
    await reader.cancel();
    const deadline = Date.now() + 30_000;
    while (!engineIdle(server) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(engineIdle(server), 'the engine stops once the client has gone');
  });

  it('streams server-sent events: deltas decode to the speech, done comes last with usage', async () => {
    const response = await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'onyx', input: TEXT, response_format: 'mp3', stream_format: 'sse' });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter((block) => block.trim() !== '')
      .map((block) => {
        assert.match(block, /^data: /, 'every event is one data line');
        return JSON.parse(block.slice('data: '.length)) as { type: string; audio?: string; usage?: Record<string, number> };
      });
    assert.ok(events.length >= 3, `${events.length} events`);
    const done = events.at(-1)!;
    assert.equal(done.type, 'speech.audio.done');
    assert.deepEqual(Object.keys(done.usage ?? {}).sort(), ['input_tokens', 'output_tokens', 'total_tokens']);
    const deltas = events.slice(0, -1);
    for (const event of deltas) assert.equal(event.type, 'speech.audio.delta');
    const audio = await decode(Buffer.concat(deltas.map((event) => Buffer.from(event.audio!, 'base64'))), 'mp3');
    assert.equal(audio.errors, '');
    const reference = decoded.get('mp3')!;
    assert.ok(Math.abs(seconds(audio) - seconds(reference)) < 0.05, `SSE audio ${seconds(audio)} s, plain MP3 ${seconds(reference)} s`);
    assert.ok(level(audio) > 0.03, `RMS ${level(audio)}`);
  });

  it('honours speed and instructions (delivery through the prompt style words)', async () => {
    const wav = async (body: Partial<OpenAI.Audio.SpeechCreateParams>): Promise<Decoded> =>
      decode(await bytesOf(await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'onyx', input: TEXT, response_format: 'wav', ...body })), 'wav');
    const normal = decoded.get('wav')!;
    const fast = await wav({ speed: 2 });
    const slowest = await wav({ speed: 0.25 });
    const slowly = await wav({ instructions: 'Speak slowly and calmly.' });
    const whispered = await wav({ instructions: 'Whisper it.' });
    assert.ok(seconds(fast) < 0.7 * seconds(normal), `speed 2: ${seconds(fast)} s vs ${seconds(normal)} s`);
    assert.ok(seconds(slowest) > 2.5 * seconds(normal), `speed 0.25: ${seconds(slowest)} s vs ${seconds(normal)} s`);
    assert.ok(seconds(slowly) > 1.2 * seconds(normal), `"slowly and calmly": ${seconds(slowly)} s vs ${seconds(normal)} s`);
    assert.ok(level(whispered) < 0.5 * level(normal), `"whisper": RMS ${level(whispered)} vs ${level(normal)}`);
  });

  it('instructions change the voice itself where its engine can: espeak-ng Ava whispers and goes flat or lively', async () => {
    const ava = async (instructions: string): Promise<Decoded> =>
      decode(await bytesOf(await client.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: AVA_UUID, input: TEXT, response_format: 'wav', instructions })), 'wav');
    const plain = await ava('');
    const whispered = await ava('Whisper it.');
    assert.ok(voicedShare(whispered.samples, whispered.sampleRate) < 0.5 * voicedShare(plain.samples, plain.sampleRate), 'a whisper is mostly unvoiced');
    const flat = await ava('Monotone, please.');
    const lively = await ava('Very expressive!');
    const spread = (decoded: Decoded): number => f0SpreadSemitones(decoded.samples, decoded.sampleRate);
    assert.ok(spread(flat) < spread(lively), `F0 spread: monotone ${spread(flat).toFixed(2)} st, very expressive ${spread(lively).toFixed(2)} st`);
  });

  it('takes a voxwire voice by uuid, by name, or as the SDK custom voice object', async () => {
    const pcm = async (voice: OpenAI.Audio.SpeechCreateParams['voice']): Promise<Buffer> =>
      bytesOf(await client.audio.speech.create({ model: 'tts-1', voice, input: 'Hello there.', response_format: 'pcm' }));
    const byName = await pcm('Ava');
    assert.ok(byName.length > 24000, 'Ava spoke');
    for (const other of [AVA_UUID, { id: AVA_UUID }, 'ava (English US, female)']) {
      const audio = await pcm(other);
      // espeak-ng may drift by a few samples between runs; the same voice says it in the same time.
      assert.ok(Math.abs(audio.length - byName.length) < 0.02 * byName.length, `${JSON.stringify(other)}: ${audio.length} bytes vs ${byName.length}`);
    }
    assert.deepEqual(await pcm(RMS_UUID), await pcm('echo'), 'echo is rms in the default table (flite repeats itself exactly)');
  });

  it('logs and measures each request like the other endpoints', async () => {
    await client.audio.speech.create({ model: 'tts-1', voice: 'fable', input: 'Too fast.', speed: 5 }).then(
      () => assert.fail('speed 5 was accepted'),
      (thrown: unknown) => assert.ok(thrown instanceof OpenAI.BadRequestError),
    );
    const response = await client.audio.speech.create({ model: 'tts-1', voice: 'fable', input: 'Counted and logged.', response_format: 'opus' });
    await bytesOf(response);
    const requestId = response.headers.get('x-request-id');
    const deadline = Date.now() + 10_000;
    let line: Record<string, unknown> | undefined;
    while ((line = logged.find((record) => record['request_id'] === requestId)) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(line, 'a log line for the request');
    assert.equal(line['msg'], 'http request');
    assert.equal(line['path'], '/v1/audio/speech');
    assert.equal(line['status'], 200);
    assert.equal(line['outcome'], 'ok');
    assert.equal(line['voice'], 'fable');
    assert.equal(line['format'], 'opus');
    assert.equal(line['sample_rate'], 24000);
    assert.equal(line['chars'], 'Counted and logged.'.length);
    assert.ok(typeof line['first_audio_ms'] === 'number' && (line['audio_seconds'] as number) > 0.5, JSON.stringify(line));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^voxwire_requests_total\{endpoint="openai_speech",outcome="ok"\} [1-9]/m);
    assert.match(metrics, /^voxwire_requests_total\{endpoint="openai_speech",outcome="InvalidRequest"\} [1-9]/m);
    assert.match(metrics, /^voxwire_time_to_first_audio_seconds_count\{endpoint="openai_speech"\} [1-9]/m);
    assert.match(metrics, /^voxwire_audio_seconds_total\{endpoint="openai_speech"\} [1-9]/m);
  });

  it('lists the accepted models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    assert.deepEqual(models, ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'gpt-4o-mini-tts-2025-12-15']);
  });
});

describe('OpenAI-shaped errors', () => {
  async function refusal(body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    const error = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello.', ...body } as OpenAI.Audio.SpeechCreateParams).then(
      () => assert.fail(`${JSON.stringify(body)} was accepted`),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof OpenAI.APIError, String(error));
    return error;
  }

  const cases: readonly [string, Record<string, unknown>, string, string][] = [
    ['unknown voice', { voice: 'nobody-at-all' }, 'voice', 'invalid_value'],
    ['bad format', { response_format: 'ogg' }, 'response_format', 'invalid_value'],
    ['speed below range', { speed: 0.1 }, 'speed', 'decimal_below_min_value'],
    ['speed above range', { speed: 4.5 }, 'speed', 'decimal_above_max_value'],
    ['empty input', { input: '' }, 'input', 'empty_string'],
    ['over-long input', { input: 'a '.repeat(1001) }, 'input', 'string_above_max_length'],
    ['bad stream format', { stream_format: 'websocket' }, 'stream_format', 'invalid_value'],
    ['text the voice cannot read (flite reads English only)', { voice: 'alloy', input: '你好，世界' }, 'input', 'invalid_value'],
  ];
  for (const [what, body, param, code] of cases) {
    it(`${what}: 400 invalid_request_error naming ${param}`, async () => {
      const error = await refusal(body);
      assert.ok(error instanceof OpenAI.BadRequestError, `status ${error.status}`);
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
      assert.equal(error.code, code);
      assert.ok(error.message.length > 20, error.message);
    });
  }

  it('below half speed the text budget shrinks in proportion', async () => {
    const text = 'word '.repeat(240);
    const error = await refusal({ input: text, speed: 0.25 });
    assert.equal(error.param, 'input');
    assert.match(error.message, /limit is 1000/);
  });

  it('the body is exactly {"error":{message,type,param,code}}, also for a body that is not JSON, and the server is unharmed', async () => {
    const bad = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"input": ' });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error['type'], 'invalid_request_error');
    const missing = await fetch(`${server.url}/v1/audio/nothing`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'unknown_url');
    const audio = await decode(await bytesOf(await client.audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Still here.', response_format: 'flac' })), 'flac');
    assert.ok(level(audio) > 0.03);
  });
});

describe('keys and the voice table', () => {
  it('takes the key as a Bearer token, refuses a wrong one in OpenAI shape, and maps names as the operator says', async () => {
    const keyed = await startTestServer({ apiKeys: ['sk-voxwire-test'], workers: 1, perKeyConnections: 1, openAiVoices: ['alloy=rms', 'narrator=Ava'] });
    try {
      const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      const error = await wrong.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello.' }).then(
        () => assert.fail('a wrong key was accepted'),
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.code, 'invalid_api_key');
      const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-voxwire-test' });
      const pcm = async (voice: string): Promise<Buffer> => bytesOf(await right.audio.speech.create({ model: 'tts-1', voice, input: 'Hello there.', response_format: 'pcm' }));
      assert.deepEqual(await pcm('alloy'), await pcm(RMS_UUID), 'alloy=rms overrides the default (slt)');
      assert.ok((await pcm('narrator')).length > 24000, 'a name the operator added');
      assert.notDeepEqual(await pcm('nova'), await pcm('alloy'), 'nova keeps its default');
      // The key's one connection is held by a long stream: the next request is over the key's limit.
      const held = await right.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: Array.from({ length: 12 }, () => TEXT).join(' '), response_format: 'pcm' });
      const reader = held.body!.getReader();
      assert.ok(((await reader.read()).value?.length ?? 0) > 0);
      const limited = await new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sk-voxwire-test', maxRetries: 0 }).audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello.' }).then(
        () => assert.fail('a request over the per-key limit was served'),
        (thrown: unknown) => thrown,
      );
      assert.ok(limited instanceof OpenAI.RateLimitError, String(limited));
      assert.equal(limited.code, 'rate_limit_exceeded');
      assert.equal(limited.type, 'requests');
      await reader.cancel();
    } finally {
      await keyed.close();
    }
  });

  it('AAC streams are bounded (each holds an encoder thread): past the bound 429 in OpenAI shape, other formats unaffected', async () => {
    const bounded = await startTestServer({ workers: 1, maxAacStreams: 1 });
    try {
      const sdk = new OpenAI({ baseURL: `${bounded.url}/v1`, apiKey: 'none', maxRetries: 0 });
      const aac = (input: string): Promise<Response> => sdk.audio.speech.create({ model: 'tts-1', voice: 'onyx', input, response_format: 'aac' });
      // A minute and a half of speech: seconds of encoding, so this stream is open while the next requests come.
      const open = await aac(Array.from({ length: 12 }, () => TEXT).join(' '));
      const reader = open.body!.getReader();
      assert.ok(((await reader.read()).value?.length ?? 0) > 0, 'the first AAC stream is under way');
      const error = await aac('Hello.').then(
        () => assert.fail('a second AAC stream was accepted'),
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.param, 'response_format');
      const mp3 = await decode(await bytesOf(await sdk.audio.speech.create({ model: 'tts-1', voice: 'onyx', input: 'Hello.' })), 'mp3');
      assert.ok(level(mp3) > 0.03, 'MP3 is served meanwhile');
      await reader.cancel();
      // The place comes back when the abandoned stream's handler ends.
      const deadline = Date.now() + 30_000;
      let again: Buffer | undefined;
      while (again === undefined && Date.now() < deadline) {
        again = await aac('Hello again.').then(bytesOf, (thrown: unknown) => {
          if (!(thrown instanceof OpenAI.RateLimitError)) throw thrown;
          return new Promise<undefined>((resolve) => setTimeout(resolve, 100));
        });
      }
      assert.ok(again !== undefined, 'an AAC stream is served once the first has gone');
      assert.ok(level(await decode(again, 'aac')) > 0.03);
    } finally {
      await bounded.close();
    }
  });

  it('a table entry naming no voice stops the start', async () => {
    await assert.rejects(startTestServer({ workers: 1, openAiVoices: ['alloy=nobody'] }), /--openai-voices: "alloy" names the voice "nobody"/);
  });
});
