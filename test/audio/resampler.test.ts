import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLE_RATES } from '../../src/audio/formats.js';
import { createResampler } from '../../src/audio/resampler.js';
import { chunks, ENGINE_RATE, measureTestSignal, testSignal } from './signal.js';

async function resampleWhole(input: Int16Array, outRate: number): Promise<Int16Array> {
  const resampler = await createResampler(ENGINE_RATE, outRate);
  const head = resampler.process(input);
  const tail = resampler.flush();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

async function resampleChunked(input: Int16Array, outRate: number, ms: number): Promise<Int16Array> {
  const resampler = await createResampler(ENGINE_RATE, outRate);
  const parts = chunks(input, ENGINE_RATE, ms).map((chunk) => Array.from(resampler.process(chunk)));
  parts.push(Array.from(resampler.flush()));
  return Int16Array.from(parts.flat());
}

describe('resampler', () => {
  const input = testSignal();

  for (const rate of SAMPLE_RATES) {
    it(`22050 → ${rate}: exact length, aligned, tone kept`, async () => {
      const out = await resampleWhole(input, rate);
      assert.equal(out.length, Math.round((input.length * rate) / ENGINE_RATE));
      const { toneHz, rms } = measureTestSignal(out, rate);
      assert.ok(Math.abs(toneHz - 440) < 0.5, `tone at ${toneHz} Hz`);
      assert.ok(rms > 8000, `rms ${rms}`);
      // No shift: inside the tone section the output matches the ideal sine sampled at the new rate.
      const toneEnd = Math.round(0.7 * rate);
      let worst = 0;
      for (let i = 32; i < toneEnd; i++) {
        worst = Math.max(worst, Math.abs((out[i] as number) - 16384 * Math.sin((2 * Math.PI * 440 * i) / rate)));
      }
      assert.ok(worst <= 16, `largest deviation from the ideal sine: ${worst}`);
    });

    it(`22050 → ${rate}: chunked equals one piece within 1 LSB`, async () => {
      const whole = await resampleWhole(input, rate);
      for (const ms of [100, 7, 250]) {
        const chunked = await resampleChunked(input, rate, ms);
        assert.equal(chunked.length, whole.length, `${ms} ms chunks`);
        let worst = 0;
        for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs((whole[i] as number) - (chunked[i] as number)));
        assert.ok(worst <= 1, `${ms} ms chunks differ by ${worst}`);
      }
    });
  }

  it('equal rates pass samples through untouched', async () => {
    const resampler = await createResampler(ENGINE_RATE, ENGINE_RATE);
    assert.equal(resampler.process(input), input);
    assert.equal(resampler.flush().length, 0);
  });

  it('a signal shorter than the filter still comes out at full length', async () => {
    const short = input.subarray(0, 10);
    const out = await resampleWhole(short, 48000);
    assert.equal(out.length, Math.round((10 * 48000) / ENGINE_RATE));
  });

  it('refuses to run after flush', async () => {
    const resampler = await createResampler(ENGINE_RATE, 48000);
    resampler.flush();
    assert.throws(() => resampler.process(input));
  });
});
