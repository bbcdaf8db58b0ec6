/**
 * The pipeline reads what a voice's engine declares: a plan that needs a capability the engine lacks is
 * served by the declared fallback (volume by gain) or refused with InvalidSSML naming the tag and the engine.
 * The engine here is the real espeak-ng with a narrower declaration: no real engine lacks these yet, and
 * the audio it makes is real, so the volume fallback is measured on real speech.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Engine, EngineCapabilities } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { registryOf } from '../../src/engines/registry.js';
import type { VoxwireError } from '../../src/protocol/errors.js';
import { wireError } from '../support/wire-error.js';
import { createPipeline, type PipelineVoice, type SynthesisPipeline } from '../../src/synthesis/pipeline.js';
import { planFromSsml } from '../../src/synthesis/ssml/index.js';
import { voiceForLanguage } from '../../src/voices/catalogue.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { rms } from '../engines/measure.js';

const NARROW = 'narrow-espeak';

let espeak: Engine;
let pipeline: SynthesisPipeline;
const voice: PipelineVoice = { ...ESPEAK_VOICE, engine: NARROW };

function narrowed(engine: Engine, capabilities: Partial<EngineCapabilities>): Engine {
  return { ...engine, capabilities: { ...engine.capabilities, ...capabilities, name: NARROW } };
}

before(async () => {
  espeak = createEspeakEngine({ workers: 1 });
  await espeak.ready();
  const narrow = narrowed(espeak, {
    prosody: { rate: false, pitch: false, volume: false },
    phonemeInput: false,
    languages: ['en-us', 'en'],
  });
  pipeline = createPipeline(registryOf([narrow]), (language, gender, engine) => voiceForLanguage(language, gender, engine));
});
after(() => espeak.close());

async function samplesOf(ssml: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of pipeline.run({ plan: planFromSsml(ssml), voice, signal: new AbortController().signal, timestamps: false })) parts.push(chunk.samples);
  const all = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function refusal(ssml: string): VoxwireError {
  try {
    pipeline.prepare(planFromSsml(ssml), voice);
  } catch (error) {
    return wireError(error);
  }
  assert.fail(`${ssml} was not refused`);
}

describe('engine capabilities are honoured', () => {
  test('volume the engine cannot set is applied as gain on its samples', async () => {
    const plain = rms(await samplesOf('<speak>The volume of this sentence is measured.</speak>'));
    const louder = rms(await samplesOf('<speak><prosody volume="+6dB">The volume of this sentence is measured.</prosody></speak>'));
    const softer = rms(await samplesOf('<speak><prosody volume="-6dB">The volume of this sentence is measured.</prosody></speak>'));
    assert.ok(plain > 100, `speech was made (rms ${plain})`);
    assert.ok(louder / plain > 1.6 && louder / plain < 2.1, `+6 dB by gain: ratio ${(louder / plain).toFixed(2)}`);
    assert.ok(softer / plain > 0.45 && softer / plain < 0.56, `-6 dB by gain: ratio ${(softer / plain).toFixed(2)}`);
  });

  for (const [what, ssml, tag] of [
    ['pitch', '<speak><prosody pitch="+3st">higher</prosody></speak>', 'prosody'],
    ['rate', '<speak><prosody rate="fast">faster</prosody></speak>', 'prosody'],
    ['phoneme input', '<speak><phoneme alphabet="ipa" ph="təˈmeɪtoʊ">tomato</phoneme></speak>', 'phoneme'],
  ] as const) {
    test(`${what} the engine cannot change is refused with InvalidSSML naming the tag and the engine`, () => {
      const error = refusal(ssml);
      assert.equal(error.errorName, 'InvalidSSML');
      assert.equal(error.params['tag'], tag);
      assert.equal(error.params['engine'], NARROW);
      assert.match(error.message, new RegExp(NARROW));
    });
  }

  test('a language switch to a language no voice of the engine speaks is refused, naming the engine', () => {
    const error = refusal('<speak>Hello <lang xml:lang="fr-FR">bonjour</lang></speak>');
    assert.equal(error.errorName, 'InvalidSSML');
    assert.equal(error.params['engine'], NARROW);
  });

  test('a voice whose engine is not running is refused before any audio is made', () => {
    assert.throws(() => pipeline.prepare(planFromSsml('<speak>hi</speak>'), { ...ESPEAK_VOICE, engine: 'not-installed' }), (thrown: unknown) => {
      const error = wireError(thrown);
      assert.equal(error.errorName, 'SynthesisFailure');
      return true;
    });
  });
});

describe('text an engine cannot read', () => {
  test('is refused before any audio with InvalidRequest naming the character and the engine (flite and Japanese)', async () => {
    const { flitePlugin } = await import('../../src/engines/flite/plugin.js');
    const { listVoices } = await import('../../src/voices/catalogue.js');
    const flite = flitePlugin().start({ workers: 1 });
    try {
      await flite.ready();
      const fliteVoice = listVoices().find((candidate) => candidate.engine === 'flite')!;
      const fliteOnly = createPipeline(registryOf([flite]));
      assert.throws(() => fliteOnly.prepare(planFromSsml('<speak>Hello 日本語</speak>'), fliteVoice), (thrown: unknown) => {
        const error = wireError(thrown);
        assert.equal(error.errorName, 'InvalidRequest');
        assert.equal(error.params['field'], 'data');
        assert.equal(error.params['engine'], 'flite');
        assert.match(error.message, /日/);
        return true;
      });
      // English with typography and accents is read.
      assert.doesNotThrow(() => fliteOnly.prepare(planFromSsml('<speak>Café “quotes” — fine…</speak>'), fliteVoice));
    } finally {
      await flite.close();
    }
  });
});
