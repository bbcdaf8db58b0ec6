/**
 * Neural voices in a running server (issue 14): the models of the data folder become voices of
 * /api/v2/voices at start-up and on rescan, a corrupt model is logged and skipped, each voice speaks at its own
 * model's rate and speaker, pitch is refused naming the engine, and a removed model's running request ends.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Voxwire } from '../../src/app.js';
import { uuidV5, VOICE_NAMESPACE } from '../../src/voices/catalogue.js';
import { joinAudio, TestClient, type JsonFrame } from '../conformance/client.js';
import { startTestServer } from '../conformance/server.js';
import { send } from '../http/http-client.js';
import { kokoroStyleValue, kokoroTestFrequency, piperTestFrequency, piperTestModel, writeKokoroVoice, writePiperVoice } from '../support/onnx-models.js';
import { toneFrequency } from '../support/tone.js';

const dataDir = mkdtempSync(join(tmpdir(), 'voxwire-models-'));
const piperDir = join(dataDir, 'voices', 'piper');
const uuidOf = (key: string): string => uuidV5(VOICE_NAMESPACE, key);
const logLines: string[] = [];
let server: Voxwire;
let client: TestClient;
let nextId = 1;

interface VoiceItem {
  readonly uuid: string;
  readonly name: string;
  readonly engine: string;
  readonly default_language: string;
  readonly sample_rate: number;
  readonly quality?: string;
  readonly speaker?: string;
}

async function modelVoices(): Promise<VoiceItem[]> {
  const response = await send(server.url, '/api/v2/voices?page_size=1000');
  assert.equal(response.status, 200);
  const items = (JSON.parse(response.raw.toString()) as { items: VoiceItem[] }).items;
  return items.filter((item) => item.engine === 'piper' || item.engine === 'kokoro');
}

async function rescan(): Promise<{ voices: number; added: string[]; removed: string[]; skipped: { path: string; reason: string }[] }> {
  const response = await send(server.url, '/admin/voices/rescan', { method: 'POST' });
  assert.equal(response.status, 200, response.raw.toString());
  return JSON.parse(response.raw.toString());
}

/** One WebSocket request; its frames up to the terminal one. */
async function speak(voice: string, data: string, sampleRate = 22050): Promise<JsonFrame[]> {
  const id = nextId++;
  client.send({ voice_uuid: voice, data, request_id: id, sample_rate: sampleRate, precision: 'PCM_16', no_audio_header: true });
  await client.waitFor(() => client.framesOf(id).some((frame) => frame.type === 'audio_end' || frame.type === 'error'), 60_000);
  return client.framesOf(id);
}

function pcm(frames: readonly JsonFrame[]): Int16Array {
  const bytes = joinAudio(frames);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

before(async () => {
  writePiperVoice(piperDir, 'en_US-test-medium');
  writePiperVoice(piperDir, 'en_US-multi-medium', { multiSpeaker: true });
  writePiperVoice(piperDir, 'en_GB-small-low', {}, { sampleRate: 16000, quality: 'low', languageCode: 'en_GB', espeakVoice: 'en' });
  writeKokoroVoice(join(dataDir, 'voices', 'kokoro', 'kokoro-test'), ['af_bella', 'am_adam'], { durations: true });
  // A truncated download beside its valid config: logged with its path and skipped.
  writeFileSync(join(piperDir, 'en_US-corrupt-medium.onnx'), Buffer.from('this is not an ONNX model'));
  copyFileSync(join(piperDir, 'en_US-test-medium.onnx.json'), join(piperDir, 'en_US-corrupt-medium.onnx.json'));
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  server = await startTestServer({ dataDir, logger });
  client = await TestClient.connect(server.streamUrl);
});

after(async () => {
  client?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('models found at start-up', () => {
  it('each model becomes voices with engine, language, quality, speaker and its own rate; one voice per speaker', async () => {
    const voices = await modelVoices();
    const byUuid = new Map(voices.map((voice) => [voice.uuid, voice]));
    assert.equal(voices.length, 1 + 3 + 1 + 2, JSON.stringify(voices.map((voice) => voice.name)));
    assert.deepEqual(byUuid.get(uuidOf('piper/en_US-test-medium')), {
      ...byUuid.get(uuidOf('piper/en_US-test-medium')),
      engine: 'piper',
      default_language: 'en-US',
      sample_rate: 22050,
      quality: 'medium',
    });
    for (const speaker of ['alpha', 'beta', 'gamma']) {
      const voice = byUuid.get(uuidOf(`piper/en_US-multi-medium:${speaker}`));
      assert.equal(voice?.speaker, speaker);
      assert.equal(voice?.engine, 'piper');
    }
    const small = byUuid.get(uuidOf('piper/en_GB-small-low'));
    assert.equal(small?.sample_rate, 16000);
    assert.equal(small?.default_language, 'en-GB');
    assert.equal(small?.quality, 'low');
    const bella = byUuid.get(uuidOf('kokoro/kokoro-test:af_bella'));
    assert.equal(bella?.engine, 'kokoro');
    assert.equal(bella?.sample_rate, 24000);
    assert.equal(bella?.default_language, 'en-US');
  });

  it('a corrupt model is logged with its path and reason, and the server serves the others', async () => {
    const logged = logLines.map((line) => JSON.parse(line) as { msg: string; path?: string; reason?: string });
    const skipped = logged.find((line) => line.msg === 'voice model skipped' && line.path?.endsWith('en_US-corrupt-medium.onnx'));
    assert.ok(skipped, `the log names the corrupt model: ${logLines.join('')}`);
    assert.ok((skipped.reason ?? '').length > 0, 'and says why');
    assert.equal((await modelVoices()).some((voice) => voice.name.startsWith('Corrupt')), false);
    const frames = await speak(uuidOf('piper/en_US-test-medium'), 'Still serving.');
    assert.equal(frames.at(-1)?.type, 'audio_end');
    assert.ok(pcm(frames).length > 0);
  });
});

describe('a voice speaks with its own model', () => {
  it('each speaker of a multi-speaker model is fed as its sid (the test model\'s tone encodes it)', async () => {
    for (const [index, speaker] of ['alpha', 'beta', 'gamma'].entries()) {
      const frames = await speak(uuidOf(`piper/en_US-multi-medium:${speaker}`), 'Hello.');
      const hz = toneFrequency(pcm(frames), 22050);
      assert.ok(Math.abs(hz - piperTestFrequency(index)) < 5, `${speaker}: ${hz} Hz, expected ${piperTestFrequency(index)}`);
    }
  });

  it('a 16 kHz model is read at 16 kHz: same ids, 22050/16000 times the duration of the 22.05 kHz model\'s', async () => {
    // Both test models give each id the same number of samples at their own rates.
    const text = 'The same sentence on both.';
    const wide = pcm(await speak(uuidOf('piper/en_US-test-medium'), text, 48000)).length;
    const narrow = pcm(await speak(uuidOf('piper/en_GB-small-low'), text, 48000)).length;
    assert.ok(wide > 0 && narrow > 0);
    const ratio = narrow / wide;
    // en-GB and en-US phonemes differ a little; a rate read as 22050 would give a ratio near 1.
    assert.ok(ratio > 1.2 && ratio < 1.55, `duration ratio ${ratio}`);
    const hz = toneFrequency(pcm(await speak(uuidOf('piper/en_GB-small-low'), text, 16000)), 16000);
    assert.ok(Math.abs(hz - piperTestFrequency(0)) < 5, `${hz} Hz: resampled from the model's own rate`);
  });

  it('an SSML switch to a voice of the engine at another rate is refused: one request, one rate', async () => {
    const frames = await speak(uuidOf('piper/en_US-test-medium'), '<speak>Hello <lang xml:lang="en-GB">there</lang></speak>');
    assert.equal(frames.at(-1)?.['error_name'], 'InvalidSSML');
    assert.match(String(frames.at(-1)?.['message']), /16000 Hz/u);
  });

  it('Kokoro voices use their own style rows', async () => {
    const frames = await speak(uuidOf('kokoro/kokoro-test:am_adam'), 'Hello.', 48000);
    const hz = toneFrequency(pcm(frames), 48000);
    // am_adam is the folder's second voice file: for a short sentence's row (a few tokens) its tone lies just
    // above that of row 0, and a whole voice (100 Hz) away from Bella's (the first file) at the same row.
    const adam = kokoroTestFrequency(kokoroStyleValue(1, 0));
    assert.ok(hz >= adam && hz < adam + 50, `${hz} Hz is not am_adam's (${adam} Hz plus the row)`);
  });
});

describe('prosody on neural voices', () => {
  for (const [engine, key] of [['piper', 'piper/en_US-test-medium'], ['kokoro', 'kokoro/kokoro-test:af_bella']] as const) {
    it(`${engine}: pitch is refused with InvalidSSML naming the engine; rate and volume are honoured`, async () => {
      const refused = await speak(uuidOf(key), '<speak><prosody pitch="+3st">Higher.</prosody></speak>');
      assert.equal(refused.at(-1)?.type, 'error');
      assert.equal(refused.at(-1)?.['error_name'], 'InvalidSSML');
      assert.match(String(refused.at(-1)?.['message']), new RegExp(engine));
      const plain = pcm(await speak(uuidOf(key), '<speak>Slower, please.</speak>'));
      const slow = pcm(await speak(uuidOf(key), '<speak><prosody rate="50%">Slower, please.</prosody></speak>'));
      assert.ok(slow.length > plain.length * 1.6, `rate 50%: ${slow.length} samples vs ${plain.length}`);
      const quiet = pcm(await speak(uuidOf(key), '<speak><prosody volume="-6dB">Slower, please.</prosody></speak>'));
      const peakOf = (samples: Int16Array): number => samples.reduce((max, sample) => Math.max(max, Math.abs(sample)), 0);
      const gain = peakOf(quiet) / peakOf(plain);
      assert.ok(Math.abs(gain - 0.501) < 0.03, `-6 dB gives gain ${gain}`);
    });
  }
});

describe('rescan', () => {
  it('a model added is served after a rescan, without a restart', async () => {
    writePiperVoice(piperDir, 'en_US-later-medium');
    const report = await rescan();
    assert.deepEqual(report.added, ['piper/en_US-later-medium']);
    assert.deepEqual(report.removed, []);
    assert.ok(report.skipped.some((skip) => skip.path.endsWith('en_US-corrupt-medium.onnx')), 'the corrupt model is still reported');
    assert.ok((await modelVoices()).some((voice) => voice.uuid === uuidOf('piper/en_US-later-medium')));
    const frames = await speak(uuidOf('piper/en_US-later-medium'), 'New voice.');
    assert.equal(frames.at(-1)?.type, 'audio_end');
  });

  it('a model replaced on disk (pulled again) is loaded anew after the rescan', async () => {
    const path = writePiperVoice(piperDir, 'en_US-swap-medium');
    await rescan();
    const voice = uuidOf('piper/en_US-swap-medium');
    const before = toneFrequency(pcm(await speak(voice, 'Hello.')), 22050);
    assert.ok(Math.abs(before - piperTestFrequency(0)) < 5, `${before} Hz`);
    // The new model computes its tone for half the rate its config gives: heard at twice the frequency.
    writeFileSync(path, piperTestModel({ sampleRate: 11025 }));
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    await rescan();
    const after = toneFrequency(pcm(await speak(voice, 'Hello.')), 22050);
    assert.ok(Math.abs(after - 2 * piperTestFrequency(0)) < 10, `${after} Hz: the worker still used the old model`);
  });

  it('a model removed disappears on rescan; a request already running on it finishes', async () => {
    const voice = uuidOf('piper/en_US-later-medium');
    const id = nextId++;
    const long = Array.from({ length: 40 }, (_, index) => `Sentence number ${index} goes on for a while.`).join(' ');
    client.send({ voice_uuid: voice, data: long, request_id: id, sample_rate: 22050, precision: 'PCM_16' });
    await client.waitFor(() => client.framesOf(id).some((frame) => frame.type === 'audio'), 60_000);
    rmSync(join(piperDir, 'en_US-later-medium.onnx'));
    rmSync(join(piperDir, 'en_US-later-medium.onnx.json'));
    const report = await rescan();
    assert.deepEqual(report.removed, ['piper/en_US-later-medium']);
    assert.equal((await modelVoices()).some((item) => item.uuid === voice), false);
    assert.equal((await send(server.url, `/api/v2/voices/${voice}`)).status, 404);
    await client.waitFor(() => client.framesOf(id).some((frame) => frame.type === 'audio_end' || frame.type === 'error'), 120_000);
    assert.equal(client.framesOf(id).at(-1)?.type, 'audio_end', 'the running request finished');
    const after = await speak(voice, 'Gone now.');
    assert.equal(after.at(-1)?.['error_name'], 'VoiceNotFound');
  });
});
