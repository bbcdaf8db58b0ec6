import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEncodedStream } from '../../src/audio/encoded-stream.js';
import { SAMPLE_RATES, type SampleRate } from '../../src/audio/formats.js';
import { createMp3Encoder, MP3_START_DELAY_SAMPLES } from '../../src/audio/mp3.js';
import { MpegFrameAssembler } from '../../src/audio/mp3-frames.js';
import { createResampler } from '../../src/audio/resampler.js';
import { decodeMp3, splitFrames } from './mpeg.js';
import { chunks, concatBytes, ENGINE_RATE, testSignal } from './signal.js';

/** One request: 100 ms pushes, then finish; every output chunk as produced. */
async function request(input: Int16Array, sampleRate: SampleRate): Promise<{ parts: Uint8Array[]; outputSamples: number }> {
  const stream = await createEncodedStream({ engineRate: ENGINE_RATE, format: { format: 'mp3', sampleRate, precision: 'PCM_16' }, header: 'none' });
  const parts = chunks(input, ENGINE_RATE).map((chunk) => stream.push(chunk));
  parts.push(stream.finish());
  return { parts, outputSamples: stream.outputSamples };
}

function containsAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, 'latin1');
}

describe('MP3', () => {
  const input = testSignal();

  for (const sampleRate of SAMPLE_RATES) {
    it(`${sampleRate} Hz: three requests concatenated decode in one decoder, durations add up`, async () => {
      const lengths = [input.length, Math.round(input.length / 3), Math.round(input.length / 2)];
      const requests = await Promise.all(lengths.map((length) => request(input.subarray(0, length), sampleRate)));
      const all = concatBytes(requests.flatMap((r) => r.parts));
      // ("LAME3.100" does appear: LAME fills unused CBR bits with its name; that is ancillary data, not a tag.)
      for (const tag of ['ID3', 'Xing', 'Info']) assert.equal(containsAscii(all, tag), false, `found '${tag}'`);
      for (const part of requests.flatMap((r) => r.parts)) splitFrames(part);

      const decoded = await decodeMp3(all);
      assert.equal(decoded.errors, 0);
      assert.equal(decoded.sampleRate, sampleRate);
      const frameSamples = splitFrames(all)[0]?.samples ?? 0;
      const content = requests.reduce((sum, r) => sum + r.outputSamples, 0);
      // Each request adds the codec delay and less than one frame of padding, nothing more.
      const extra = decoded.samples.length - content - 3 * MP3_START_DELAY_SAMPLES;
      assert.ok(extra >= 0 && extra < 3 * frameSamples, `extra ${extra} samples over ${content}`);
    });
  }

  it('decoded audio lags the input by exactly MP3_START_DELAY_SAMPLES', async () => {
    const sampleRate = 48000;
    const resampler = await createResampler(ENGINE_RATE, sampleRate);
    const reference = Int16Array.from([...resampler.process(input), ...resampler.flush()]);
    const decoded = (await decodeMp3(concatBytes((await request(input, sampleRate)).parts))).samples;
    let bestLag = -1;
    let best = -Infinity;
    for (let lag = 0; lag < 2500; lag++) {
      let sum = 0;
      for (let i = 0; i < reference.length; i += 2) sum += (reference[i] as number) * (decoded[i + lag] ?? 0);
      if (sum > best) [best, bestLag] = [sum, lag];
    }
    assert.equal(bestLag, MP3_START_DELAY_SAMPLES);
  });

  it('a pooled encoder starts fresh: the same request twice gives the same bytes, also after an abandoned one', async () => {
    const first = concatBytes((await request(input, 22050)).parts);
    const abandoned = await createEncodedStream({ engineRate: ENGINE_RATE, format: { format: 'mp3', sampleRate: 22050, precision: 'PCM_16' }, header: 'none' });
    abandoned.push(input.subarray(0, 5000));
    abandoned.dispose();
    const second = concatBytes((await request(input, 22050)).parts);
    assert.deepEqual(second, first);
  });

  it('an encoder that got no samples finishes with no bytes or whole frames', async () => {
    const encoder = await createMp3Encoder(16000);
    splitFrames(encoder.finish());
    assert.throws(() => encoder.encode(input));
  });

  it('the frame assembler releases only whole frames, whatever the cut', async () => {
    const bytes = concatBytes((await request(input, 8000)).parts);
    const assembler = new MpegFrameAssembler();
    const released: Uint8Array[] = [];
    for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7 + 3) % 613) {
      const out = assembler.push(bytes.subarray(at, at + step));
      splitFrames(out);
      released.push(out);
    }
    assert.equal(assembler.buffered, 0);
    assert.deepEqual(concatBytes(released), bytes);
    assert.throws(() => new MpegFrameAssembler().push(Uint8Array.from([0, 1, 2, 3, 4])));
  });
});
