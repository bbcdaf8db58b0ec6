/**
 * The one lexicon of voice descriptions (src/synthesis/lexicon.ts): what design and `<speak prompt>` both read,
 * and how `exaggeration` scales a prompt's delivery, measured on real audio.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Voxwire } from '../../src/app.js';
import { ESPEAK_ACCENTS } from '../../src/engines/espeak/design.js';
import createEspeakModule from '@echogarden/espeak-ng-emscripten';
import { readPrompt } from '../../src/synthesis/lexicon.js';
import { promptProsody } from '../../src/synthesis/ssml/prosody.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';
import { pitchTrack } from '../engines/measure.js';
import { rms, startTestServer } from '../conformance/server.js';
import { api } from '../library/helpers.js';

const AT = { line: 1, column: 1 };

describe('reading a prompt', () => {
  it('reads every attribute of the vocabulary, with intensifiers', () => {
    const reading = readPrompt('A very deep, slightly slow, monotone old man with a Scottish accent, quiet and raspy');
    assert.deepEqual(reading.attributes, { gender: 'male', accent: 'en-GB-scotland', age: 1, pitch: -2, variability: -1, pace: -0.5, loudness: -1, qualities: ['raspy'] });
    assert.deepEqual(reading.ignored, []);
  });

  it('negation: a scalar turns into a little of the opposite, a gender into the other, a quality into nothing', () => {
    assert.deepEqual(readPrompt('not fast').attributes, { pace: -0.5 });
    assert.deepEqual(readPrompt('not a man').attributes, { gender: 'female' });
    assert.deepEqual(readPrompt('breathy but not breathy').attributes, {});
    assert.deepEqual(readPrompt('a british woman, not american').attributes, { gender: 'female', accent: 'en-GB' });
  });

  it('style words are mixes of scalars and are reported; scalars are clamped to two steps', () => {
    const calm = readPrompt('calmly');
    assert.ok(calm.matched.includes('style: calm'));
    assert.ok((calm.attributes.pace ?? 0) < 0 && (calm.attributes.loudness ?? 0) < 0);
    assert.equal(readPrompt('very very very fast, extremely fast').attributes.pace, 2);
  });

  it('is deterministic, and reports consecutive unknown words together, filler words not at all', () => {
    const prompt = 'An energetic narrator who sounds like a pirate captain on a stormy sea';
    assert.deepEqual(readPrompt(prompt), readPrompt(prompt));
    assert.deepEqual(readPrompt(prompt).ignored, ['like a pirate captain on a stormy sea']);
    assert.deepEqual(readPrompt('a deep pirate voice, slow, with a wooden leg').ignored, ['pirate', 'wooden leg']);
    assert.deepEqual(readPrompt('please make a voice').matched, []);
  });

  it('an accent no engine has is ignored, not promised', () => {
    const reading = readPrompt('a french woman', new Set(['en-US', 'en-GB']));
    assert.equal(reading.attributes.accent, undefined);
    assert.deepEqual(reading.ignored, ['french']);
  });
});

describe('<speak prompt exaggeration temperature>', () => {
  it('exaggeration scales the delivery: 0 is none, 0.5 as described, 1 twice as much', () => {
    const none = promptProsody('fast and loud', AT, 0);
    const described = promptProsody('fast and loud', AT, 0.5);
    const double = promptProsody('fast and loud', AT, 1);
    assert.deepEqual(none, { rate: 1, pitchSemitones: 0, volume: 1 });
    assert.ok(Math.abs(described.rate - 1.3) < 1e-9);
    assert.ok(Math.abs(double.rate - 1.3 ** 2) < 1e-9);
    assert.ok(double.volume > described.volume && described.volume > 1);
    assert.deepEqual(promptProsody('fast and loud', AT), described, '0.5 is the default');
    assert.throws(() => promptProsody('fast', AT, 1.5), /exaggeration/);
  });

  it('the rate stays inside what SSML allows however strong the prompt', () => {
    assert.equal(promptProsody('extremely slow, very slowly', AT, 1).rate, 0.5);
  });

  let server: Voxwire;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function render(ssml: string): Promise<Float64Array> {
    const { status, json } = await api(server.url, undefined).call('/synthesize', { voice_uuid: '55592656', data: ssml, sample_rate: 16000, precision: 'PCM_16' });
    assert.equal(status, 200, JSON.stringify(json));
    return wavSamples(parseWav(new Uint8Array(Buffer.from(json['audio_content'] as string, 'base64'))));
  }

  it('on real audio: a stronger exaggeration of "slow and quiet" is longer and softer; temperature is accepted and changes nothing', async () => {
    const sentence = 'The quick brown fox jumps over the lazy dog near the river bank.';
    const sounding = (samples: Float64Array): number => pitchTrack(samples, 16000).soundingFrames;
    const plain = await render(`<speak>${sentence}</speak>`);
    const described = await render(`<speak prompt="slow and quiet" exaggeration="0.5">${sentence}</speak>`);
    const strong = await render(`<speak prompt="slow and quiet" exaggeration="1">${sentence}</speak>`);
    assert.ok(sounding(described) > sounding(plain) * 1.15 && sounding(strong) > sounding(described) * 1.15, `${sounding(plain)} < ${sounding(described)} < ${sounding(strong)}`);
    assert.ok(rms(strong) < rms(described) && rms(described) < rms(plain), `${rms(plain)} > ${rms(described)} > ${rms(strong)}`);
    const warm = await render(`<speak prompt="slow and quiet" temperature="1.3">${sentence}</speak>`);
    assert.deepEqual(warm, described);
  });
});

describe('accents', () => {
  it('every accent espeak-ng advertises has its language file in the WebAssembly build', async () => {
    const { FS } = await createEspeakModule();
    const files = new Set<string>();
    const walk = (folder: string): void => {
      for (const name of FS.readdir(folder)) {
        if (name === '.' || name === '..') continue;
        let children: string[] | undefined;
        try {
          children = FS.readdir(`${folder}/${name}`);
        } catch {
          files.add(name.toLowerCase());
        }
        if (children !== undefined) walk(`${folder}/${name}`);
      }
    };
    walk('/usr/share/espeak-ng-data/lang');
    for (const [tag, file] of Object.entries(ESPEAK_ACCENTS)) assert.ok(files.has(file), `${tag}: no espeak-ng language file "${file}"`);
  });
});
