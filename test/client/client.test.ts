/**
 * The typed client (src/client) against a real voxwire on a free loopback port: pipelined requests consumed in
 * any interleaving, errors that end one request, a dropped connection (cut by a TCP relay between the two),
 * keys, and the HTTP helpers. Audio is parsed and measured, timestamps checked against the text.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { ConnectionLostError, VoxwireApiError, VoxwireClient, VoxwireHttp, wavFileFromChunks, type AudioChunk, type Speech } from '../../src/client/index.js';
import type { Voxwire } from '../../src/app.js';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';
import { assertTimestampInvariants, parseSpeechWav, rms, startTestServer } from '../conformance/server.js';
import type { Timestamps } from '../conformance/client.js';
import { childSandbox } from '../support/child-env.js';
import { ESPEAK_VOICE } from '../support/engines.js';

const execFileAsync = promisify(execFile);

let server: Voxwire;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

/** Everything a request's chunks say, gathered. */
interface Gathered {
  readonly chunks: AudioChunk[];
  readonly timestamps: Timestamps;
}

function gather(into: Gathered, chunk: AudioChunk): void {
  into.chunks.push(chunk);
  const stamps = chunk.timestamps;
  if (stamps === undefined) return;
  into.timestamps.graph_chars.push(...stamps.graph_chars);
  into.timestamps.graph_times.push(...stamps.graph_times);
  into.timestamps.phon_chars.push(...stamps.phon_chars);
  into.timestamps.phon_times.push(...stamps.phon_times);
}

function empty(): Gathered {
  return { chunks: [], timestamps: { graph_chars: [], graph_times: [], phon_chars: [], phon_times: [] } };
}

/** The request's WAV (its chunks joined), parsed and checked to hold speech at `sampleRate`. */
function speechOf(gathered: Gathered, sampleRate: number): number {
  const file = wavFileFromChunks(gathered.chunks.map((chunk) => chunk.audio));
  const { wav, seconds } = parseSpeechWav(file);
  assert.equal(wav.sampleRate, sampleRate);
  return seconds;
}

it('pipelined requests consumed in interleaved order keep their own bytes and timestamps', async () => {
  const client = await VoxwireClient.connect({ url: server.url });
  try {
    const texts = ['The first request speaks about apples.', 'A second one, a little longer, speaks about rivers and mountains.', 'Third.'];
    const rates = [16000, 22050, 8000] as const;
    const speeches = texts.map((data, i) => client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data, sample_rate: rates[i]!, precision: 'PCM_16' }));
    const gathered = texts.map(empty);
    const iterators = speeches.map((speech) => speech[Symbol.asyncIterator]());
    const live = new Set([0, 1, 2]);
    // Take one chunk from each in turn, the last request first: each stream is read while the others wait.
    while (live.size > 0) {
      for (const i of [2, 1, 0]) {
        if (!live.has(i)) continue;
        const next = await iterators[i]!.next();
        if (next.done) live.delete(i);
        else gather(gathered[i]!, next.value);
      }
    }
    for (const [i, speech] of speeches.entries()) {
      const result = await speech.done;
      const seconds = speechOf(gathered[i]!, rates[i]!);
      assertTimestampInvariants(gathered[i]!.timestamps, texts[i]!, seconds);
      assert.ok(gathered[i]!.chunks.every((chunk) => chunk.requestId === speech.requestId && chunk.sampleRate === rates[i]));
      assert.equal(result.cancelled, false);
      assert.ok(Math.abs(result.audioSeconds! - seconds) < 1e-6, `${result.audioSeconds} vs ${seconds}`);
      assert.ok(result.firstAudioMs! > 0 && result.firstAudioMs! <= result.totalMs);
    }
    // The decoded samples the client gives are the file's samples.
    const first = gathered[0]!;
    const joined = first.chunks.flatMap((chunk) => [...chunk.samples()]);
    const fromFile = wavSamples(parseWav(wavFileFromChunks(first.chunks.map((chunk) => chunk.audio))));
    assert.equal(joined.length, fromFile.length);
    assert.ok(joined.every((sample, i) => Math.abs(sample - fromFile[i]!) < 1e-6));
  } finally {
    client.close();
  }
});

it('binary responses, µ-law and mp3 are routed to their own request', async () => {
  const client = await VoxwireClient.connect({ url: server.url });
  try {
    const binary = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Binary frames carry no request id.', binary_response: true, sample_rate: 16000, precision: 'MULAW' });
    const mp3 = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'And this one is an MP3.', output_format: 'mp3', sample_rate: 22050 });
    const json = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'JSON again.', sample_rate: 16000, precision: 'PCM_24', no_audio_header: true });
    const [b, m, j] = [empty(), empty(), empty()];
    for await (const chunk of binary) gather(b, chunk);
    for await (const chunk of json) gather(j, chunk);
    for await (const chunk of mp3) gather(m, chunk);
    assert.equal(b.timestamps.graph_chars.length, 0, 'binary mode has no timestamps');
    const mulaw = parseWav(wavFileFromChunks(b.chunks.map((chunk) => chunk.audio)));
    assert.equal(mulaw.formatTag, 7);
    assert.ok(rms(b.chunks.flatMap((chunk) => [...chunk.samples()])) > 0.02);
    const mp3Bytes = Buffer.concat(m.chunks.map((chunk) => chunk.audio));
    assert.equal(mp3Bytes[0], 0xff, 'mp3 starts with a frame sync');
    assert.equal(m.timestamps.graph_chars.join(''), 'And this one is an MP3.');
    const samples = j.chunks.flatMap((chunk) => [...chunk.samples()]);
    assert.ok(rms(samples) > 0.02);
    assertTimestampInvariants(j.timestamps, 'JSON again.', samples.length / 16000);
  } finally {
    client.close();
  }
});

it('an error ends only its request, as a typed value of the catalogue', async () => {
  const client = await VoxwireClient.connect({ url: server.url });
  try {
    const ok1 = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Before the error.', sample_rate: 16000 });
    const missing = client.speak({ voice_uuid: '00000000-0000-0000-0000-000000000000', data: 'Nobody speaks this.' });
    const badSsml = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: '<speak><b>bold</b></speak>' });
    const ok2 = client.speak({ voice_uuid: ESPEAK_VOICE.uuid, data: 'After the errors.', sample_rate: 16000 });
    await assert.rejects(missing.done, (error: unknown) => {
      assert.ok(error instanceof VoxwireApiError);
      assert.equal(error.errorName, 'VoiceNotFound');
      assert.equal(error.status, 404);
      assert.equal(error.requestId, missing.requestId);
      return true;
    });
    // The iterator throws the same error.
    await assert.rejects(async () => {
      for await (const chunk of badSsml) void chunk;
    }, (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'InvalidSSML' && typeof error.params['line'] === 'number');
    for (const speech of [ok1, ok2]) {
      const gathered = empty();
      for await (const chunk of speech) gather(gathered, chunk);
      assert.ok(speechOf(gathered, 16000) > 0.5);
    }
    assert.equal(client.pending, 0);
  } finally {
    client.close();
  }
});

/** A TCP relay to the server that the test can cut, as a network drop would. */
async function relay(target: URL): Promise<{ url: string; connections: number; cut(): void; close(): Promise<void> }> {
  const open = new Set<Socket>();
  let connections = 0;
  const proxy: Server = createServer((inbound) => {
    connections += 1;
    const outbound = connect(Number(target.port), target.hostname);
    open.add(inbound).add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    cut: () => {
      for (const socket of open) socket.resetAndDestroy();
    },
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

it('a dropped connection fails the request being answered and retries the ones that had not started', async () => {
  const link = await relay(new URL(server.url));
  const client = await VoxwireClient.connect({ url: link.url, reconnect: { attempts: 5, baseDelayMs: 50 } });
  try {
    const long = 'This request is long enough that the connection is cut while it is being answered. '.repeat(6);
    const running = client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: long, sample_rate: 16000 });
    const queued = [client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'I waited behind it.', sample_rate: 16000 }), client.speak({ voice_uuid: ESPEAK_VOICE.uuid, data: 'So did I.', sample_rate: 16000 })];
    const iterator = running[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.equal(queued.some((speech) => speech.started), false, 'the queued requests have received nothing yet');
    link.cut();
    await assert.rejects(running.done, (error: unknown) => error instanceof ConnectionLostError);
    for (const speech of queued) {
      const gathered = empty();
      for await (const chunk of speech) gather(gathered, chunk);
      assert.ok(speechOf(gathered, 16000) > 0.3);
    }
    assert.equal(link.connections, 2, 'one reconnection');
    assert.ok(client.connected);
    // The new connection serves new requests too.
    assert.equal((await client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Still here.' }).done).cancelled, false);
  } finally {
    client.close();
    await link.close();
  }
});

it('without reconnection, a drop fails every open request', async () => {
  const link = await relay(new URL(server.url));
  const client = await VoxwireClient.connect({ url: link.url, reconnect: false });
  try {
    const speeches: Speech[] = [0, 1].map((i) => client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: `Request ${i} will not finish. `.repeat(8) }));
    await speeches[0]![Symbol.asyncIterator]().next();
    link.cut();
    for (const speech of speeches) await assert.rejects(speech.done, (error: unknown) => error instanceof ConnectionLostError);
    assert.equal(link.connections, 1);
  } finally {
    client.close();
    await link.close();
  }
});

it('with keys: the right key speaks (header or query), a wrong one is Unauthorized and not retried', async () => {
  const keyed = await startTestServer({ apiKeys: ['client-test-key'], workers: 1 });
  try {
    for (const apiKeyIn of ['header', 'query'] as const) {
      const client = await VoxwireClient.connect({ url: keyed.url, apiKey: 'client-test-key', apiKeyIn });
      assert.equal((await client.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'The key works.' }).done).cancelled, false);
      client.close();
    }
    const link = await relay(new URL(keyed.url));
    const wrong = await VoxwireClient.connect({ url: link.url, apiKey: 'not-the-key', reconnect: { baseDelayMs: 10 } });
    await assert.rejects(wrong.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Refused.' }).done, (error: unknown) => {
      assert.ok(error instanceof VoxwireApiError);
      assert.equal(error.errorName, 'Unauthorized');
      assert.equal(error.status, 401);
      return true;
    });
    // A later request fails at once with the same error, without a new connection.
    await assert.rejects(wrong.speak({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Again.' }).done, (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'Unauthorized');
    assert.equal(link.connections, 1);
    wrong.close();
    await link.close();
    const http = new VoxwireHttp({ url: keyed.url, apiKey: 'wrong' });
    await assert.rejects(http.voices(), (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'Unauthorized' && error.status === 401);
    const voices = await new VoxwireHttp({ url: keyed.url, apiKey: 'client-test-key', apiKeyIn: 'query' }).allVoices();
    assert.ok(voices.length > 0);
  } finally {
    await keyed.close();
  }
});

it('HTTP helpers: synthesize, stream and the voices', async () => {
  const http = new VoxwireHttp({ url: server.url });
  const text = 'Synthesized over HTTP.';
  const whole = await http.synthesize({ voice_uuid: DEFAULT_VOICE.uuid, data: text, sample_rate: 22050, precision: 'PCM_16' });
  const { wav, seconds } = parseSpeechWav(whole.audio);
  assert.equal(wav.sampleRate, 22050);
  assert.ok(Math.abs(whole.duration - seconds) < 0.01);
  assertTimestampInvariants(whole.audio_timestamps, text, seconds);
  const parts: Uint8Array[] = [];
  for await (const part of http.stream({ voice_uuid: DEFAULT_VOICE.uuid, data: text, sample_rate: 16000, precision: 'PCM_16' })) parts.push(part);
  assert.equal(parseSpeechWav(wavFileFromChunks(parts)).wav.sampleRate, 16000);
  await assert.rejects(http.synthesize({ voice_uuid: DEFAULT_VOICE.uuid, data: 'x'.repeat(2001) }), (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'TextTooLong' && error.status === 400);
  const all = await http.allVoices();
  const page = await http.voices(1, 3);
  assert.equal(all.length, page.total_results);
  assert.equal(page.items.length, 3);
  assert.deepEqual(await http.voice(DEFAULT_VOICE.uuid), all.find((voice) => voice.uuid === DEFAULT_VOICE.uuid));
  await assert.rejects(http.voice('nope'), (error: unknown) => error instanceof VoxwireApiError && error.errorName === 'VoiceNotFound' && error.status === 404);
});

it('voxwire say --server speaks through a running server with the client', async () => {
  const sandbox = childSandbox();
  try {
    const out = path.join(sandbox.folder, 'remote.wav');
    const stamps = path.join(sandbox.folder, 'remote.json');
    const text = 'Spoken by the server, written by the command.';
    const { stderr } = await execFileAsync(process.execPath, sandbox.args('say', '--server', server.url, text, '-o', out, '--voice', ESPEAK_VOICE.name, '--sample-rate', '16000', '--timestamps', stamps), { env: sandbox.env });
    assert.match(stderr, new RegExp(`voice ${ESPEAK_VOICE.name.replace(/[()]/g, '\\$&')}.*from ${server.url}`));
    const bytes = readFileSync(out);
    const { wav, seconds } = parseSpeechWav(bytes);
    assert.equal(wav.sampleRate, 16000);
    assert.equal(bytes.readUInt32LE(40), bytes.length - 44, 'the file has its real data size');
    assertTimestampInvariants(JSON.parse(readFileSync(stamps, 'utf8')) as Timestamps, text, seconds);
    await assert.rejects(execFileAsync(process.execPath, sandbox.args('say', '--server', server.url, 'Hi', '-o', out, '--sample-rate', '12345'), { env: sandbox.env }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /InvalidRequest: `sample_rate` must be one of/);
      return true;
    });
  } finally {
    sandbox.remove();
  }
});
