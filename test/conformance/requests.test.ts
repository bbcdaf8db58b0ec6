/**
 * protocol.md section 1 "Requests" and "Errors": every field's default and every invalid value, on a voice of
 * every built-in engine (its default English voice): none of these rules depends on the engine.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ENGINES_UNDER_TEST } from '../support/engines.js';
import { joinAudio, type JsonFrame } from './client.js';
import { parseSpeechWav, sharedServerAndClient } from './server.js';

const fixture = sharedServerAndClient();

/** The voice under test: each engine's default English voice in turn. */
let voice: string;
let nextId = 1000;

/** Sends one request and returns its frames once its terminal frame arrived. */
async function ask(request: Record<string, unknown> | string): Promise<JsonFrame[]> {
  const before = fixture.client.terminals.length;
  fixture.client.send(request);
  await fixture.client.waitForTerminals(before + 1);
  const terminal = fixture.client.terminals[before]!;
  return fixture.client.frames.filter((frame) => frame.request_id === terminal.request_id && fixture.client.frames.indexOf(frame) <= fixture.client.frames.indexOf(terminal));
}

async function askError(request: Record<string, unknown> | string): Promise<JsonFrame> {
  const before = fixture.client.terminals.length;
  fixture.client.send(request);
  await fixture.client.waitForTerminals(before + 1);
  const terminal = fixture.client.terminals[before]!;
  assert.equal(terminal.type, 'error', `expected an error, got ${JSON.stringify(terminal)}`);
  return terminal;
}

describe("LiveKit's default Resemble voice id", () => {
  it('speaks with the default voice', async () => {
    const frames = await ask({ voice_uuid: '55592656', data: 'Default voice.', sample_rate: 44100, precision: 'PCM_16', no_audio_header: true });
    assert.equal(frames.at(-1)?.type, 'audio_end');
  });
});

for (const under of ENGINES_UNDER_TEST) describe(`on ${under.plugin.id} (${under.voice.name})`, () => {
  before(() => {
    voice = under.voice.uuid;
  });

  describe('request defaults', () => {
    it('answers a minimal request with 48 kHz PCM_32 WAV in JSON frames, header first, and audio_end', async () => {
      const id = nextId++;
      const frames = await ask({ voice_uuid: voice, data: 'Hello there.', request_id: id });
      const audio = frames.filter((frame) => frame.type === 'audio');
      assert.ok(audio.length >= 1);
      for (const frame of audio) {
        assert.equal(frame.request_id, id);
        assert.equal(frame['sample_rate'], 48000);
        assert.equal(typeof frame['audio_content'], 'string');
        assert.ok(frame['audio_timestamps']);
      }
      assert.deepEqual(frames.at(-1), { type: 'audio_end', request_id: id });
      const bytes = joinAudio(frames);
      assert.equal(bytes.subarray(0, 4).toString('latin1'), 'RIFF');
      assert.equal(bytes.readUInt32LE(4), 0xffffffff, 'RIFF size is unknown while streaming');
      const { wav } = parseSpeechWav(bytes);
      assert.equal(wav.sampleRate, 48000);
      assert.equal(wav.bitsPerSample, 32);
      assert.equal(wav.formatTag, 1);
      assert.equal(bytes.subarray(36, 40).toString('latin1'), 'data');
      assert.equal(bytes.readUInt32LE(40), 0xffffffff, 'data size is unknown while streaming');
      assert.equal(bytes.indexOf('RIFF', 4), -1, 'exactly one header');
    });

    it('ignores unknown fields and the fields real clients send', async () => {
      const frames = await ask({
        voice_uuid: voice,
        data: 'Fine.',
        project_uuid: 'p',
        model: 'chatterbox',
        title: 't',
        apply_custom_pronunciations: true,
        continue: false,
        language: 'en',
        something_new: { nested: [1, 2] },
      });
      assert.equal(frames.at(-1)?.type, 'audio_end');
    });
  });

  describe('invalid field values give InvalidRequest naming the field, and the socket stays open', () => {
    const cases: [string, unknown][] = [
      ['sample_rate', 12345],
      ['sample_rate', '48000'],
      ['precision', 'PCM_8'],
      ['output_format', 'ogg'],
      ['binary_response', 'yes'],
      ['no_audio_header', 1],
      ['request_id', 1.5],
      ['request_id', true],
      ['request_id', ''],
      ['request_id', 'x'.repeat(129)],
      ['voice_uuid', 42],
      ['data', 42],
    ];
    for (const [field, value] of cases) {
      it(`${field} = ${JSON.stringify(value)}`, async () => {
        const error = await askError({ voice_uuid: voice, data: 'Hi.', [field]: value });
        assert.equal(error['error_name'], 'InvalidRequest');
        assert.equal(error['status_code'], 400);
        assert.equal(error['success'], false);
        assert.equal(typeof error['message'], 'string');
        const params = error['error_params'] as Record<string, unknown>;
        assert.equal(params['field'], field);
        assert.ok(Array.isArray(params['allowed']));
        if (field === 'request_id') assert.equal(error.request_id, undefined, 'an invalid id is not echoed');
        else assert.equal(typeof error.request_id, 'number', 'the request id is known (auto or given)');
      });
    }

    it('a missing voice_uuid is InvalidRequest', async () => {
      const error = await askError({ data: 'Hi.' });
      assert.equal(error['error_name'], 'InvalidRequest');
      assert.equal((error['error_params'] as Record<string, unknown>)['field'], 'voice_uuid');
    });

    it('precision is ignored for mp3', async () => {
      const frames = await ask({ voice_uuid: voice, data: 'Okay.', output_format: 'mp3', precision: 'nonsense' });
      assert.equal(frames.at(-1)?.type, 'audio_end');
    });

    it('the socket still serves a request after all those errors', async () => {
      const frames = await ask({ voice_uuid: voice, data: 'Still here.' });
      assert.equal(frames.at(-1)?.type, 'audio_end');
    });
  });

  describe('the error catalogue', () => {
    for (const [name, frame] of [
      ['not JSON', 'this is not json'],
      ['a JSON array', '[1, 2]'],
      ['a JSON string', '"hello"'],
    ] as const) {
      it(`BadJSON for ${name}, no request id, socket open`, async () => {
        const error = await askError(frame);
        assert.equal(error['error_name'], 'BadJSON');
        assert.equal(error['status_code'], 400);
        assert.equal(error.request_id, undefined);
        assert.equal(typeof (error['error_params'] as Record<string, unknown>)['explanation'], 'string');
      });
    }

    it('BadJSON with an explanation when data is missing or empty', async () => {
      for (const request of [{ voice_uuid: voice, request_id: 5 }, { voice_uuid: voice, data: '', request_id: 6 }]) {
        const error = await askError(request);
        assert.equal(error['error_name'], 'BadJSON');
        assert.equal(error.request_id, request.request_id);
        assert.match(String((error['error_params'] as Record<string, unknown>)['explanation']), /data/);
      }
    });

    it('TextTooLong over 3,000 characters; SSML tags do not count', async () => {
      const error = await askError({ voice_uuid: voice, data: 'a'.repeat(3001), request_id: 77 });
      assert.equal(error['error_name'], 'TextTooLong');
      assert.equal(error['status_code'], 400);
      assert.equal(error.request_id, 77);
      const ssml = `<speak><prosody rate="fast"><s>${'word '.repeat(599)}</s></prosody></speak>`;
      assert.ok(ssml.length > 3000);
      const before = fixture.client.frames.length;
      fixture.client.send({ voice_uuid: voice, data: ssml, request_id: 78 });
      await fixture.client.waitFor(() => fixture.client.frames.slice(before).some((frame) => frame.request_id === 78));
      const first = fixture.client.frames.slice(before).find((frame) => frame.request_id === 78)!;
      assert.equal(first.type, 'audio', 'SSML of 2,995 spoken characters is accepted');
      await fixture.client.waitFor(() => fixture.client.frames.slice(before).some((frame) => frame.request_id === 78 && frame.type === 'audio_end'), 60_000);
    });

    it('InvalidSSML with line and column', async () => {
      const error = await askError({ voice_uuid: voice, data: '<speak>\n  <prosody rate="fast">unclosed\n</speak>', request_id: 9 });
      assert.equal(error['error_name'], 'InvalidSSML');
      assert.equal(error['status_code'], 400);
      const params = error['error_params'] as Record<string, unknown>;
      assert.equal(typeof params['line'], 'number');
      assert.equal(typeof params['column'], 'number');
      assert.ok((params['line'] as number) >= 2);
    });

    it('InvalidSSML at the element that switches to a language no voice speaks', async () => {
      const error = await askError({ voice_uuid: voice, data: '<speak>Hello\n<lang xml:lang="tlh">Qapla</lang></speak>', request_id: 11 });
      assert.equal(error['error_name'], 'InvalidSSML');
      assert.deepEqual([(error['error_params'] as Record<string, unknown>)['line'], (error['error_params'] as Record<string, unknown>)['column']], [2, 1]);
    });

    it('VoiceNotFound (404) for an unknown voice_uuid', async () => {
      const error = await askError({ voice_uuid: '00000000-0000-0000-0000-000000000000', data: 'Hi.', request_id: 10 });
      assert.equal(error['error_name'], 'VoiceNotFound');
      assert.equal(error['status_code'], 404);
      assert.equal(error.request_id, 10);
    });

    it('a binary frame is not a request: BadJSON, socket open', async () => {
      const before = fixture.client.terminals.length;
      fixture.client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
      await fixture.client.waitForTerminals(before + 1);
      assert.equal(fixture.client.terminals[before]!['error_name'], 'BadJSON');
      const frames = await ask({ voice_uuid: voice, data: 'Yes.' });
      assert.equal(frames.at(-1)?.type, 'audio_end');
    });
  });
});
