import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Engine } from '../../src/engines/engine.js';
import { ENGINES_UNDER_TEST, startEngineFor } from '../support/engines.js';
import {
  DEFAULT_VOICE,
  VOICE_NAMESPACE,
  findVoice,
  listVoices,
  voiceForLanguage,
  type Voice,
} from '../../src/voices/catalogue.js';
import { medianF0, render, rms } from '../engines/measure.js';

/** The documented derivation, written independently of the catalogue: RFC 4122 v5 over the voice key. */
function expectedUuid(key: string): string {
  const digest = createHash('sha1').update(Buffer.from(VOICE_NAMESPACE.replace(/-/g, ''), 'hex')).update(key).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}

const SAMPLE_TEXT: Readonly<Record<string, string>> = {
  en: 'Hello, how can I help you today?',
  es: 'Hola, ¿en qué puedo ayudarte hoy?',
  fr: "Bonjour, comment puis-je vous aider aujourd'hui ?",
  de: 'Hallo, wie kann ich Ihnen heute helfen?',
  it: 'Ciao, come posso aiutarti oggi?',
  pt: 'Olá, como posso ajudar você hoje?',
  hi: 'नमस्ते, आज मैं आपकी कैसे मदद कर सकता हूँ?',
  zh: '你好，今天我能帮你什么？',
  ja: 'こんにちは、今日はどのようにお手伝いできますか？',
  ar: 'مرحبا، كيف يمكنني مساعدتك اليوم؟',
};

const textFor = (voice: Voice): string => SAMPLE_TEXT[voice.language.split('-')[0]!]!;

describe('voice catalogue', () => {
  test('uuids follow the documented derivation, are unique and are v5 UUIDs', () => {
    const voices = listVoices();
    for (const voice of voices) {
      assert.equal(voice.uuid, expectedUuid(voice.key), voice.name);
      assert.match(voice.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    assert.equal(new Set(voices.map((voice) => voice.uuid)).size, voices.length);
  });

  test('covers the required languages with a male and a female voice each', () => {
    const languages = ['en-US', 'en-GB', 'es', 'fr', 'de', 'it', 'pt-BR', 'hi', 'zh', 'ja', 'ar'];
    for (const language of languages) {
      for (const gender of ['male', 'female'] as const) {
        const voice = voiceForLanguage(language, gender);
        assert.ok(voice, `${language} ${gender}`);
        assert.equal(voice.gender, gender);
        assert.ok(textFor(voice), `sample text for ${voice.language}`);
      }
    }
  });

  test('findVoice returns catalogue voices by uuid and nothing for unknown ids', () => {
    for (const voice of listVoices()) assert.equal(findVoice(voice.uuid), voice);
    assert.equal(findVoice(expectedUuid('espeak-ng/unknown')), undefined);
    assert.equal(findVoice(DEFAULT_VOICE.uuid.toUpperCase()), DEFAULT_VOICE);
  });

  test('voiceForLanguage matches tags sensibly', () => {
    assert.equal(voiceForLanguage('en')?.language, 'en-US');
    assert.equal(voiceForLanguage('en-GB')?.language, 'en-GB');
    assert.equal(voiceForLanguage('en_gb', 'male')?.key, 'flite/awb');
    assert.equal(voiceForLanguage('en_gb', 'female')?.key, 'espeak-ng/en+f3');
    assert.equal(voiceForLanguage('en_gb', 'male', 'espeak-ng')?.key, 'espeak-ng/en+m3');
    assert.equal(voiceForLanguage('fr', 'male', 'flite'), undefined, 'a language switch stays on the engine');
    assert.equal(voiceForLanguage('fr')?.language, 'fr-FR');
    assert.equal(voiceForLanguage('fr-CA')?.language, 'fr-FR');
    assert.equal(voiceForLanguage('pt')?.language, 'pt-BR');
    assert.equal(voiceForLanguage('cmn')?.language, 'zh-CN');
    assert.equal(voiceForLanguage('zh-TW')?.language, 'zh-CN');
    assert.equal(voiceForLanguage('xx'), undefined);
  });
});

for (const { plugin } of ENGINES_UNDER_TEST) {
  describe(`catalogue voices in ${plugin.id}`, () => {
    const voices = listVoices().filter((voice) => voice.engine === plugin.id);
    let engine: Engine;
    before(async () => {
      engine = await startEngineFor(voices[0]!, 2);
    });
    after(() => engine.close());

    test('every voice loads and produces speech at the rate the catalogue gives', async () => {
      for (const voice of voices) {
        assert.equal(voice.sampleRate, engine.capabilities.sampleRate, voice.name);
        const out = await render(engine, voice.spec, textFor(voice));
        assert.ok(out.samples.length > engine.capabilities.sampleRate / 2, `${voice.name}: too short`);
        assert.ok(rms(out.samples) > 500, `${voice.name}: rms ${rms(out.samples)}`);
      }
    });

    test('female voices speak higher than male ones of the same language', async () => {
      const languages = [...new Set(voices.map((voice) => voice.language))];
      let compared = 0;
      for (const language of languages) {
        const female = voices.find((voice) => voice.language === language && voice.gender === 'female');
        const male = voices.find((voice) => voice.language === language && voice.gender === 'male');
        if (female === undefined || male === undefined) continue;
        const [high, low] = await Promise.all(
          [female, male].map(async (voice) => medianF0((await render(engine, voice.spec, textFor(voice))).samples, engine.capabilities.sampleRate)),
        );
        assert.ok(high! > low! * 1.3, `${language}: female ${high} Hz, male ${low} Hz`);
        compared += 1;
      }
      assert.ok(compared > 0, 'the engine has a female and a male voice of one language');
    });
  });
}
