/**
 * /metrics against a real server and real traffic: scrape, send known requests, scrape again, and find every
 * counter and histogram bucket moved by exactly that traffic, with audio seconds that match the decoded audio.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startVoxwire, type Voxwire } from '../../src/app.js';
import { splitFrames } from '../audio/mpeg.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';
import { DEFAULT_VOICE as DEFAULT, joinAudio, TestClient } from '../conformance/client.js';
import { jsonOf, send, type SynthesizeBody } from '../http/http-client.js';
import { captureLog, moved, scrape, type CapturedLog, type Scrape } from './ops-client.js';

const KEY = 'ops-test-key-7f3a9c21';
const AUTH = { authorization: `Bearer ${KEY}` };
const TTFA = 'voxwire_time_to_first_audio_seconds';
const RTF = 'voxwire_synthesis_real_time_factor';
const DEFAULT_VOICE = DEFAULT.uuid;

function wavSeconds(bytes: Uint8Array): number {
  const wav = parseWav(bytes);
  return wavSamples(wav).length / wav.sampleRate;
}

/** Keys of `name` (any labels) whose value differs between the scrapes. */
function movedKeys(before: Scrape, after: Scrape, name: string): string[] {
  const keys = new Set([...before.keys(), ...after.keys()].filter((key) => key === name || key.startsWith(`${name}{`)));
  return [...keys].filter((key) => moved(before, after, key) !== 0).sort();
}

describe('GET /metrics after known traffic', () => {
  let server: Voxwire;
  let log: CapturedLog;

  before(async () => {
    log = captureLog();
    server = await startVoxwire({ port: 0, workers: 2, apiKeys: [KEY], logger: log.logger });
  });
  after(async () => {
    await server.close();
  });

  it('moves the request, error, audio and latency series by exactly 3 WebSocket requests, 1 error, 1 /synthesize and 1 HTTP /stream', async () => {
    const beforeScrape = await scrape(server.url);

    const client = await TestClient.connect(server.streamUrl, AUTH);
    client.send({ voice_uuid: DEFAULT_VOICE, data: 'The first request of three, in a plain WAV.', sample_rate: 22050, precision: 'PCM_16' });
    client.send({ voice_uuid: DEFAULT_VOICE, data: 'The second one comes back as MP3 frames.', output_format: 'mp3', sample_rate: 22050 });
    client.send({ voice_uuid: DEFAULT_VOICE, data: 'And the third is mu-law without a header.', sample_rate: 16000, precision: 'MULAW', no_audio_header: true });
    client.send({ voice_uuid: '00000000-0000-0000-0000-000000000000', data: 'No such voice.' });
    const terminals = await client.waitForTerminals(4);
    assert.deepEqual(terminals.map((frame) => frame.type), ['audio_end', 'audio_end', 'audio_end', 'error']);
    assert.equal(terminals[3]!['error_name'], 'VoiceNotFound');

    const duringScrape = await scrape(server.url);
    assert.equal(duringScrape.get('voxwire_open_sockets'), 1, 'the open socket is counted');

    const synthesized = await send(server.url, '/synthesize', { headers: AUTH, body: { voice_uuid: DEFAULT_VOICE, data: 'One whole file over HTTP.', sample_rate: 16000, precision: 'PCM_16' } });
    assert.equal(synthesized.status, 200);
    const file = jsonOf(synthesized) as unknown as SynthesizeBody;
    const streamed = await send(server.url, '/stream', { headers: AUTH, body: { voice_uuid: DEFAULT_VOICE, data: 'And one stream of MP3 over HTTP.', output_format: 'mp3', sample_rate: 22050 } });
    assert.equal(streamed.status, 200);

    client.socket.close();
    await client.waitForClose();
    let afterScrape = await scrape(server.url);
    for (let tries = 0; afterScrape.get('voxwire_open_sockets') !== 0 && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      afterScrape = await scrape(server.url);
    }
    assert.equal(afterScrape.get('voxwire_open_sockets'), 0, 'the closed socket is no longer counted');

    // Requests and errors: these series and no others moved.
    assert.deepEqual(
      movedKeys(beforeScrape, afterScrape, 'voxwire_requests_total').map((key) => [key, moved(beforeScrape, afterScrape, key)]),
      [
        ['voxwire_requests_total{endpoint="http_stream",outcome="ok"}', 1],
        ['voxwire_requests_total{endpoint="http_synthesize",outcome="ok"}', 1],
        ['voxwire_requests_total{endpoint="ws_stream",outcome="VoiceNotFound"}', 1],
        ['voxwire_requests_total{endpoint="ws_stream",outcome="ok"}', 3],
      ],
    );
    assert.deepEqual(
      movedKeys(beforeScrape, afterScrape, 'voxwire_errors_total').map((key) => [key, moved(beforeScrape, afterScrape, key)]),
      [['voxwire_errors_total{error_name="VoiceNotFound"}', 1]],
    );

    // Audio seconds: what the client decodes from what it received.
    const wsAudio = [0, 1, 2].map((id) => joinAudio(client.framesOf(id)));
    const wsSeconds =
      wavSeconds(wsAudio[0]!) + splitFrames(wsAudio[1]!).reduce((sum, frame) => sum + frame.samples / frame.sampleRate, 0) + wsAudio[2]!.length / 16000;
    assert.ok(wsSeconds > 4, `three sentences of speech (${wsSeconds} s)`);
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, 'voxwire_audio_seconds_total{endpoint="ws_stream"}') - wsSeconds) < 1e-6);
    const fileSeconds = wavSeconds(Buffer.from(file.audio_content, 'base64'));
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, 'voxwire_audio_seconds_total{endpoint="http_synthesize"}') - fileSeconds) < 1e-6);
    const streamSeconds = splitFrames(streamed.raw).reduce((sum, frame) => sum + frame.samples / frame.sampleRate, 0);
    assert.ok(streamSeconds > 1);
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, 'voxwire_audio_seconds_total{endpoint="http_stream"}') - streamSeconds) < 1e-6);

    // Time to first audio: three observations, for streamed answers only, in the buckets the logged values fall in.
    const streamLines = log.lines.filter((line) => line['msg'] === 'stream request');
    assert.equal(streamLines.length, 4);
    const firstAudio = streamLines.filter((line) => line['outcome'] === 'ok').map((line) => (line['first_audio_ms'] as number) / 1000);
    assert.equal(firstAudio.length, 3);
    assert.equal(moved(beforeScrape, afterScrape, `${TTFA}_count{endpoint="ws_stream"}`), 3);
    assert.equal(afterScrape.get(`${TTFA}_count{endpoint="http_synthesize"}`), undefined, '/synthesize sends no first audio early');
    const streamLine = log.lines.find((line) => line['msg'] === 'http request' && line['path'] === '/stream');
    assert.ok(streamLine && typeof streamLine['first_audio_ms'] === 'number');
    assert.equal(moved(beforeScrape, afterScrape, `${TTFA}_count{endpoint="http_stream"}`), 1);
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, `${TTFA}_sum{endpoint="http_stream"}`) - (streamLine['first_audio_ms'] as number) / 1000) < 1e-3);
    const ttfaBuckets = [...afterScrape.keys()].filter((key) => key.startsWith(`${TTFA}_bucket{endpoint="ws_stream"`));
    assert.ok(ttfaBuckets.length >= 10);
    for (const key of ttfaBuckets) {
      const le = /le="([^"]+)"/.exec(key)![1]!;
      const bound = le === '+Inf' ? Infinity : Number(le);
      assert.equal(moved(beforeScrape, afterScrape, key), firstAudio.filter((seconds) => seconds <= bound).length, `bucket le=${le}`);
    }
    const loggedSum = firstAudio.reduce((sum, seconds) => sum + seconds, 0);
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, `${TTFA}_sum{endpoint="ws_stream"}`) - loggedSum) < 1e-3);

    // Real-time factor: one observation per successful request, equal to duration / audio seconds as logged.
    assert.equal(moved(beforeScrape, afterScrape, `${RTF}_count{endpoint="ws_stream"}`), 3);
    assert.equal(moved(beforeScrape, afterScrape, `${RTF}_count{endpoint="http_synthesize"}`), 1);
    const loggedRtf = streamLines
      .filter((line) => line['outcome'] === 'ok')
      .reduce((sum, line) => sum + (line['duration_ms'] as number) / 1000 / (line['audio_seconds'] as number), 0);
    assert.ok(Math.abs(moved(beforeScrape, afterScrape, `${RTF}_sum{endpoint="ws_stream"}`) - loggedRtf) < 0.01);
    assert.equal(moved(beforeScrape, afterScrape, `${RTF}_bucket{endpoint="ws_stream",le="+Inf"}`), 3);

    // The request lines: one per request on both transports, with the key's name and never the key.
    const httpLine = log.lines.find((line) => line['msg'] === 'http request' && line['path'] === '/synthesize');
    assert.ok(httpLine);
    assert.equal(httpLine['key'], 'env-key-1');
    assert.equal(httpLine['voice'], DEFAULT_VOICE);
    assert.equal(httpLine['chars'], 'One whole file over HTTP.'.length);
    assert.equal(httpLine['format'], 'wav');
    assert.equal(httpLine['outcome'], 'ok');
    assert.equal(synthesized.headers['x-request-id'], httpLine['request_id']);
    for (const line of streamLines) assert.equal(line['key'], 'env-key-1');
    assert.equal(streamLines[3]!['outcome'], 'VoiceNotFound');
    assert.ok(!log.text().includes(KEY), 'the key never appears in the log');
  });

  it('serves /metrics, /health and /ready without a key, exposing no key', async () => {
    const refused = await send(server.url, '/synthesize', { body: { voice_uuid: DEFAULT_VOICE, data: 'No key.' } });
    assert.equal(refused.status, 401, 'the API itself needs the key');
    for (const path of ['/metrics', '/health', '/ready']) {
      const response = await send(server.url, path);
      assert.equal(response.status, 200, path);
      assert.ok(!response.raw.toString('utf8').includes(KEY), `${path} shows no key`);
      assert.ok(!response.raw.toString('utf8').includes('env-key-1'), `${path} shows no key name`);
    }
    const metrics = await scrape(server.url);
    assert.equal(metrics.get('voxwire_errors_total{error_name="Unauthorized"}'), 1);
    assert.equal(metrics.get('voxwire_requests_total{endpoint="http_synthesize",outcome="Unauthorized"}'), 1);
    for (const engine of server.engines.ids) {
      assert.equal(metrics.get(`voxwire_engine_workers{engine="${engine}",state="idle"}`), 2, `both ${engine} workers idle between requests`);
      assert.equal(metrics.get(`voxwire_engine_workers{engine="${engine}",state="busy"}`), 0);
      assert.equal(metrics.get(`voxwire_engine_queued_segments{engine="${engine}"}`), 0);
    }
    assert.equal(metrics.get('voxwire_queued_requests'), 0);
    assert.ok((metrics.get('process_resident_memory_bytes') ?? 0) > 10_000_000, 'process memory');
    assert.ok(metrics.has('nodejs_eventloop_lag_p99_seconds'), 'event-loop delay');
  });
});
