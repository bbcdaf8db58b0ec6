/**
 * The flite engine behind the existing synthesis pipeline and renderer, unchanged: what the registry will
 * wire (a flite voice's spec, the pipeline made from the flite engine, resampling from 16 kHz to the
 * request's rate) already gives the contract's timestamps.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NEUTRAL_PROSODY, type Engine } from '../../src/engines/engine.js';
import { createFliteEngine } from '../../src/engines/flite/engine.js';
import { FLITE_VOICES } from '../../src/engines/flite/voices.js';
import { registryOf } from '../../src/engines/registry.js';
import { createPipeline } from '../../src/synthesis/pipeline.js';
import { renderWhole } from '../../src/synthesis/render.js';
import { rms } from './measure.js';

const OUTPUT_RATE = 48000 as const;
const TEXT = 'Good morning! Our parcel, number 42, arrives on Monday. Maybe you can sign for it.';

/** Where each silence of 150 ms or more ends (seconds), by 5 ms frames against the speech's own loudness. */
function silenceEnds(samples: Int16Array, rate: number): number[] {
  const frame = Math.round(rate * 0.005);
  const threshold = 0.1 * rms(samples);
  const ends: number[] = [];
  let quiet = 0;
  for (let start = 0; start + frame <= samples.length; start += frame) {
    if (rms(samples.subarray(start, start + frame)) < threshold) quiet += 1;
    else {
      if (quiet * 0.005 >= 0.15) ends.push(start / rate);
      quiet = 0;
    }
  }
  return ends;
}

let engine: Engine;
before(async () => {
  engine = createFliteEngine({ workers: 2 });
  await engine.ready();
});
after(() => engine.close());

for (const voice of FLITE_VOICES.slice(0, 2)) {
  test(`${voice.id} through the pipeline: 48 kHz audio, graph_chars equal the text, times ordered and inside the audio`, async () => {
    const pipeline = createPipeline(registryOf([engine]));
    assert.equal(engine.capabilities.sampleRate, voice.sampleRate);
    const plan = { items: [{ kind: 'speech' as const, written: TEXT, spoken: TEXT, prosody: NEUTRAL_PROSODY }] };
    const format = { format: 'wav' as const, sampleRate: OUTPUT_RATE, precision: 'PCM_16' as const };
    const pipelineVoice = { engine: engine.capabilities.name, spec: voice.spec, language: voice.language, gender: voice.gender };
    const rendered = await renderWhole(pipeline, { plan, voice: pipelineVoice }, format, new AbortController().signal);
    assert.ok(rendered);
    const bytes = Buffer.concat(rendered.chunks);
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    const seconds = samples.length / OUTPUT_RATE;
    assert.ok(seconds > 4 && seconds < 9, `duration ${seconds} s`);
    assert.ok(rms(samples) > 500);

    const { graph_chars: chars, graph_times: times, phon_chars: phonemes, phon_times: phonemeTimes } = rendered.alignment;
    assert.equal(chars.join(''), TEXT);
    for (let index = 1; index < times.length; index++) assert.ok(times[index]![0] >= times[index - 1]![0], `char ${index}`);
    for (const [start, end] of [...times, ...phonemeTimes]) assert.ok(start >= 0 && start <= end && end <= seconds + 1e-9);
    assert.ok(phonemes.length > 50 && phonemes.some((phoneme) => phoneme.startsWith('ˈ')), 'IPA phonemes with stress');
    // Words take real time: "morning" starts after "Good" ends, and the last word ends near the audio's end.
    const morning = TEXT.indexOf('morning');
    assert.ok(times[morning]![0] > times[0]![1] - 1e-9 && times[morning]![0] > 0.2);
    assert.ok(times[TEXT.lastIndexOf('it')]![1] > seconds - 0.6);

    // After each sentence's pause, the next word starts within 30 ms of where the audio's silence ends. The
    // words chosen start with a vowel or a nasal: a stop's closure or a weak fricative is itself near-silent.
    const gapEnds = silenceEnds(samples, OUTPUT_RATE);
    for (const word of ['Our', 'Maybe']) {
      const start = times[TEXT.indexOf(word)]![0];
      const nearest = Math.min(...gapEnds.map((end) => Math.abs(end - start)));
      assert.ok(nearest < 0.03, `"${word}" at ${start.toFixed(3)} s, silences end at ${gapEnds.map((end) => end.toFixed(3)).join(', ')}`);
    }
  });
}
