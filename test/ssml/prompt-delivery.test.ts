/**
 * `<speak prompt>` beyond rate, pitch and gain: pitch variability and voice quality change the voice itself,
 * through the engine's designer (`deliver`), measured on decoded audio. espeak-ng expresses both; flite
 * expresses neither and must still speak the request, with the prompt's rate, pitch and gain.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engines/engine.js';
import { registryOf } from '../../src/engines/registry.js';
import { createPipeline, type SynthesisPipeline } from '../../src/synthesis/pipeline.js';
import { planFromSsml } from '../../src/synthesis/ssml/index.js';
import { listVoices, voiceForLanguage, type Voice } from '../../src/voices/catalogue.js';
import { ESPEAK_VOICE, startEngineFor } from '../support/engines.js';
import { f0SpreadSemitones, voicedShare } from '../engines/measure.js';

const SENTENCE = 'Would you really like to come with us to the seaside tomorrow morning?';

async function render(pipeline: SynthesisPipeline, voice: Voice, ssml: string): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const chunk of pipeline.run({ plan: planFromSsml(ssml), voice, signal: new AbortController().signal })) parts.push(chunk.samples);
  const samples = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (samples.set(part, offset), offset + part.length), 0);
  return samples;
}

const speak = (attributes: string): string => `<speak${attributes}>${SENTENCE}</speak>`;

describe('<speak prompt> variability and voice quality (espeak-ng)', () => {
  let engine: Engine;
  let pipeline: SynthesisPipeline;
  let rate: number;
  before(async () => {
    engine = await startEngineFor(ESPEAK_VOICE, 2);
    pipeline = createPipeline(registryOf([engine]), voiceForLanguage);
    rate = engine.capabilities.sampleRate;
  });
  after(() => engine.close());

  it('monotone has clearly less F0 spread than very expressive', async () => {
    const monotone = f0SpreadSemitones(await render(pipeline, ESPEAK_VOICE, speak(' prompt="monotone"')), rate);
    const plain = f0SpreadSemitones(await render(pipeline, ESPEAK_VOICE, speak('')), rate);
    const expressive = f0SpreadSemitones(await render(pipeline, ESPEAK_VOICE, speak(' prompt="very expressive"')), rate);
    assert.ok(monotone < plain && plain < expressive, `spread monotone ${monotone.toFixed(2)} < none ${plain.toFixed(2)} < very expressive ${expressive.toFixed(2)} st`);
    assert.ok(expressive - monotone >= 2, `very expressive ${expressive.toFixed(2)} st vs monotone ${monotone.toFixed(2)} st`);
  });

  it('whisper has a much smaller voiced share than no prompt; breathy stays voiced', async () => {
    const plain = voicedShare(await render(pipeline, ESPEAK_VOICE, speak('')), rate);
    const whisper = voicedShare(await render(pipeline, ESPEAK_VOICE, speak(' prompt="whisper"')), rate);
    const breathy = await render(pipeline, ESPEAK_VOICE, speak(' prompt="breathy"'));
    assert.ok(whisper < plain * 0.5, `voiced share: whisper ${whisper.toFixed(2)}, no prompt ${plain.toFixed(2)}`);
    assert.ok(voicedShare(breathy, rate) > whisper, `breathy ${voicedShare(breathy, rate).toFixed(2)} is voiced more than whisper ${whisper.toFixed(2)}`);
    assert.notDeepEqual(breathy, await render(pipeline, ESPEAK_VOICE, speak('')), 'breathy changes the audio');
  });

  // `seed` makes espeak-ng start each segment from its pristine state, so bytes compare across requests.
  it('exaggeration 0 is no prompt (same bytes); the same prompt twice gives the same bytes', async () => {
    const plain = await render(pipeline, ESPEAK_VOICE, speak(' seed="7"'));
    for (const prompt of ['whisper', 'very expressive', 'monotone breathy', 'raspy']) {
      assert.deepEqual(await render(pipeline, ESPEAK_VOICE, speak(` prompt="${prompt}" exaggeration="0" seed="7"`)), plain, `${prompt} at exaggeration 0`);
      const once = await render(pipeline, ESPEAK_VOICE, speak(` prompt="${prompt}" seed="7"`));
      assert.notDeepEqual(once, plain, `${prompt} changes the audio`);
      assert.deepEqual(await render(pipeline, ESPEAK_VOICE, speak(` prompt="${prompt}" seed="7"`)), once, `${prompt} twice`);
    }
  });

  it('exaggeration scales variability: 1 spreads F0 more than 0.25', async () => {
    const strong = f0SpreadSemitones(await render(pipeline, ESPEAK_VOICE, speak(' prompt="expressive" exaggeration="1"')), rate);
    const mild = f0SpreadSemitones(await render(pipeline, ESPEAK_VOICE, speak(' prompt="expressive" exaggeration="0.25"')), rate);
    assert.ok(strong > mild, `spread at 1 ${strong.toFixed(2)} st > at 0.25 ${mild.toFixed(2)} st`);
  });
});

describe('<speak prompt> variability and voice quality (flite: not expressible, not refused)', () => {
  const voice = listVoices().find((candidate) => candidate.engine === 'flite' && candidate.language === 'en-US');
  let engine: Engine;
  let pipeline: SynthesisPipeline;
  before(async () => {
    assert.ok(voice !== undefined, 'an en-US flite voice');
    engine = await startEngineFor(voice, 1);
    pipeline = createPipeline(registryOf([engine]), voiceForLanguage);
  });
  after(() => engine.close());

  it('whisper and expressive speak as the prompt without them would', async () => {
    assert.deepEqual(await render(pipeline, voice!, speak(' prompt="very expressive" seed="7"')), await render(pipeline, voice!, speak(' seed="7"')));
    const whisper = await render(pipeline, voice!, speak(' prompt="whisper" seed="7"'));
    assert.ok(whisper.length > 0);
    assert.deepEqual(await render(pipeline, voice!, speak(' prompt="whisper very expressive breathy" seed="7"')), whisper);
  });
});
