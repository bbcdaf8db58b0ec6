import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEncodedStream, type EncodedStream } from '../../src/audio/encoded-stream.js';
import { PRECISIONS, SAMPLE_RATES, type AudioFormat, type Precision, type SampleRate } from '../../src/audio/formats.js';
import { MP3_START_DELAY_SAMPLES } from '../../src/audio/mp3.js';
import { decodeMp3, splitFrames } from './mpeg.js';
import { chunks, concatBytes, ENGINE_RATE, measureTestSignal, SIGNAL_SECONDS, testSignal } from './signal.js';
import { parseWav, wavSamples } from './wav-reader.js';

const BITS: Readonly<Record<Precision, number>> = { PCM_16: 16, PCM_24: 24, PCM_32: 32, MULAW: 8 };

function wavFormat(sampleRate: SampleRate, precision: Precision): AudioFormat {
  return { format: 'wav', sampleRate, precision };
}

/** Pushes `input` in `ms` chunks and finishes; returns every output chunk (the last is finish()'s). */
async function encode(format: AudioFormat, header: 'none' | 'streaming', input: Int16Array, ms = 100): Promise<{ parts: Uint8Array[]; stream: EncodedStream }> {
  const stream = await createEncodedStream({ engineRate: ENGINE_RATE, format, header });
  const parts = chunks(input, ENGINE_RATE, ms).map((chunk) => stream.push(chunk));
  parts.push(stream.finish());
  return { parts, stream };
}

describe('encoded stream: WAV', () => {
  const input = testSignal();

  for (const sampleRate of SAMPLE_RATES) {
    for (const precision of PRECISIONS) {
      it(`${sampleRate} Hz ${precision}: header, format, duration, loudness, tone`, async () => {
        const { parts, stream } = await encode(wavFormat(sampleRate, precision), 'streaming', input);
        assert.equal(stream.contentType, 'audio/wav');
        const first = parts.find((part) => part.length > 0);
        assert.equal(Buffer.from(first ?? []).toString('latin1', 0, 4), 'RIFF', 'the first bytes out are the header');
        const wav = parseWav(concatBytes(parts));
        assert.equal(wav.dataOffset, 44);
        assert.equal(wav.sampleRate, sampleRate);
        assert.equal(wav.bitsPerSample, BITS[precision]);
        assert.equal(wav.formatTag, precision === 'MULAW' ? 7 : 1);
        for (const part of parts.slice(1)) assert.equal(part.length % wav.blockAlign, 0, 'whole samples per chunk');

        const samples = wavSamples(wav);
        assert.equal(samples.length, stream.outputSamples);
        assert.ok(Math.abs(samples.length / sampleRate - SIGNAL_SECONDS) <= 0.02, `duration ${samples.length / sampleRate} s`);
        const { rms, toneHz } = measureTestSignal(samples, sampleRate);
        assert.ok(rms > 0.25, `rms ${rms}`);
        assert.ok(Math.abs(toneHz - 440) < 1, `tone at ${toneHz} Hz`);
      });
    }
  }

  for (const sampleRate of SAMPLE_RATES) {
    it(`${sampleRate} Hz: chunked output equals one-piece output (PCM_16, MULAW)`, async () => {
      for (const precision of ['PCM_16', 'MULAW'] as const) {
        const whole = concatBytes((await encode(wavFormat(sampleRate, precision), 'none', input, 10_000)).parts);
        for (const ms of [100, 13]) {
          const chunked = concatBytes((await encode(wavFormat(sampleRate, precision), 'none', input, ms)).parts);
          if (sampleRate === ENGINE_RATE) {
            assert.deepEqual(chunked, whole, `${precision}, ${ms} ms chunks: byte for byte`);
            continue;
          }
          assert.equal(chunked.length, whole.length);
          // Within 1 LSB of the 16-bit signal; for µ-law, 1 LSB can at most move to the neighbouring code.
          const a = precision === 'MULAW' ? whole : new Int16Array(whole.buffer, 0, whole.length / 2);
          const b = precision === 'MULAW' ? chunked : new Int16Array(chunked.buffer, 0, chunked.length / 2);
          for (let i = 0; i < a.length; i++) {
            assert.ok(Math.abs((a[i] as number) - (b[i] as number)) <= 1, `${precision}, ${ms} ms chunks, sample ${i}`);
          }
        }
      }
    });
  }

  it("header 'none' gives bare samples", async () => {
    const { parts, stream } = await encode(wavFormat(16000, 'PCM_24'), 'none', input);
    const bytes = concatBytes(parts);
    assert.equal(bytes.length, stream.outputSamples * 3);
    assert.notEqual(Buffer.from(bytes).toString('latin1', 0, 4), 'RIFF');
  });

  it('the header goes out on the first push even when it yields no samples, and only once', async () => {
    const stream = await createEncodedStream({ engineRate: ENGINE_RATE, format: wavFormat(48000, 'PCM_16'), header: 'streaming' });
    const first = stream.push(new Int16Array(0));
    assert.equal(first.length, 44);
    assert.equal(parseWav(first).sampleRate, 48000);
    const second = stream.push(input.subarray(0, 2205));
    assert.notEqual(Buffer.from(second).toString('latin1', 0, 4), 'RIFF');
    assert.equal(second.length, stream.outputSamples * 2);
  });

  it('a request with no audio still yields a valid (empty) WAV', async () => {
    const stream = await createEncodedStream({ engineRate: ENGINE_RATE, format: wavFormat(8000, 'MULAW'), header: 'streaming' });
    const wav = parseWav(stream.finish());
    assert.equal(wav.dataSize, 0);
    assert.equal(wav.formatTag, 7);
  });

  it('refuses pushes after finish', async () => {
    const stream = await createEncodedStream({ engineRate: ENGINE_RATE, format: wavFormat(8000, 'PCM_16'), header: 'none' });
    stream.finish();
    assert.throws(() => stream.push(input));
  });
});

describe('encoded stream: MP3', () => {
  const input = testSignal();

  for (const sampleRate of SAMPLE_RATES) {
    it(`${sampleRate} Hz: whole frames, decodes at its rate, nothing lost, tone kept`, async () => {
      const { parts, stream } = await encode({ format: 'mp3', sampleRate, precision: 'PCM_32' }, 'streaming', input);
      assert.equal(stream.contentType, 'audio/mpeg');
      for (const part of parts) for (const frame of splitFrames(part)) assert.equal(frame.sampleRate, sampleRate);
      const bytes = concatBytes(parts);
      const frames = splitFrames(bytes);
      const decoded = await decodeMp3(bytes);
      assert.equal(decoded.errors, 0);
      assert.equal(decoded.sampleRate, sampleRate);
      assert.equal(decoded.samples.length, frames.length * (frames[0]?.samples ?? 0));
      // Without a LAME tag the decoder keeps the codec delay and the last frame's padding: the content
      // is all there (never shorter) and the padding is less than one frame.
      const padding = decoded.samples.length - MP3_START_DELAY_SAMPLES - stream.outputSamples;
      assert.ok(padding >= 0 && padding < (frames[0]?.samples ?? 0), `padding ${padding} samples`);
      const { rms, toneHz } = measureTestSignal(decoded.samples, sampleRate);
      assert.ok(rms > 0.25, `rms ${rms}`);
      assert.ok(Math.abs(toneHz - 440) < 1, `tone at ${toneHz} Hz`);
    });
  }
});
