import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AAC_FRAME_SAMPLES, AAC_START_DELAY_SAMPLES, createAacEncoder } from '../../src/audio/aac.js';
import { bestLag, decodeWithFfmpeg } from './ffmpeg.js';
import { chunks, testSignal } from './signal.js';
import { abandonStream, assertLevelAndPitch, encodeStreamed, wholeAndRagged } from './stream-encoding.js';

/** ISO 14496-3 sampling_frequency_index. */
const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

interface AdtsFrame {
  readonly rate: number;
  readonly length: number;
}

/** Splits `bytes` into ADTS frames, written from the standard; throws unless they are whole AAC-LC mono frames. */
function parseAdts(bytes: Uint8Array): AdtsFrame[] {
  const frames: AdtsFrame[] = [];
  for (let at = 0; at < bytes.length; ) {
    assert.ok(at + 7 <= bytes.length, `ADTS header cut at ${at}`);
    const b = (i: number): number => bytes[at + i] as number;
    assert.equal(b(0), 0xff, `syncword at ${at}`);
    assert.equal(b(1) & 0xf6, 0xf0, 'syncword, layer 0');
    assert.equal(b(1) & 0x01, 1, 'no CRC');
    assert.equal(b(2) >> 6, 1, 'profile: AAC LC');
    const rate = ADTS_RATES[(b(2) >> 2) & 0x0f] as number;
    const channels = ((b(2) & 1) << 2) | (b(3) >> 6);
    assert.equal(channels, 1, 'channel configuration');
    const length = ((b(3) & 0x03) << 11) | (b(4) << 3) | (b(5) >> 5);
    assert.equal(b(6) & 0x03, 0, 'one raw data block per frame');
    assert.ok(length > 7 && at + length <= bytes.length, `frame at ${at} of ${length} bytes runs past the end`);
    frames.push({ rate, length });
    at += length;
  }
  return frames;
}

describe('AAC (ADTS)', () => {
  // 24 kHz is OpenAI's rate; 44.1 and 8 kHz check the header's rate index and the bitrate table's ends.
  for (const rate of [24000, 44100, 8000]) {
    it(`${rate} Hz: whole frames per call, decodes to the input (plus the priming frame) at its level and pitch`, async () => {
      const input = testSignal(rate);
      const { parts, bytes } = await encodeStreamed('aac', rate, input);
      const perCall = parts.map(parseAdts);
      assert.ok(perCall.flat().every((frame) => frame.rate === rate));
      // Each call returns the frames its input completed: all but the one the encoder holds back.
      let pushed = 0;
      let returned = 0;
      for (const [index, frames] of perCall.slice(0, -1).entries()) {
        pushed += Math.round(rate / 10);
        returned += frames.length;
        assert.ok(returned >= Math.floor(Math.min(pushed, input.length) / AAC_FRAME_SAMPLES) - 1, `after call ${index}: ${returned} frames`);
      }

      const decoded = await decodeWithFfmpeg(bytes, 'aac');
      assert.equal(decoded.errors, '');
      assert.equal(decoded.sampleRate, rate);
      assert.equal(decoded.samples.length, perCall.flat().length * AAC_FRAME_SAMPLES);
      const extra = decoded.samples.length - input.length - AAC_START_DELAY_SAMPLES;
      assert.ok(extra >= 0 && extra < AAC_FRAME_SAMPLES, `${extra} samples beyond input and priming`);
      assert.equal(bestLag(input, decoded.samples, 3000), AAC_START_DELAY_SAMPLES);
      assertLevelAndPitch(decoded.samples.subarray(AAC_START_DELAY_SAMPLES), rate, input);
    });
  }

  it('ragged pushes of 1–700 samples decode exactly as one push of the whole input', async () => {
    const input = testSignal(24000);
    const encoded = await wholeAndRagged('aac', 24000, input);
    const whole = await decodeWithFfmpeg(encoded.whole.bytes, 'aac');
    const cut = await decodeWithFfmpeg(encoded.cut.bytes, 'aac');
    assert.ok(whole.samples.length > input.length);
    assert.deepEqual(cut.samples, whole.samples);
  });

  it('consecutive streams, one abandoned between them, concatenate into one decodable ADTS stream', async () => {
    const input = testSignal(24000);
    const lengths = [input.length, 5000, 12000];
    const first = await encodeStreamed('aac', 24000, input);
    await abandonStream('aac', 24000, input.subarray(0, 5000));
    const rest = [];
    for (const length of lengths.slice(1)) rest.push(await encodeStreamed('aac', 24000, input.subarray(0, length)));
    const streams = [first, ...rest];
    for (const stream of streams) parseAdts(stream.bytes);
    const decoded = await decodeWithFfmpeg(Buffer.concat(streams.map((stream) => stream.bytes)), 'aac');
    assert.equal(decoded.errors, '');
    const content = lengths.reduce((sum, length) => sum + length + AAC_START_DELAY_SAMPLES, 0);
    const extra = decoded.samples.length - content;
    assert.ok(extra >= 0 && extra < 3 * AAC_FRAME_SAMPLES, `${extra} samples beyond three inputs and their priming`);
  });

  it('refuses a rate ADTS cannot signal and use after flush; an empty stream is empty', async () => {
    await assert.rejects(createAacEncoder(22000), RangeError);
    const encoder = await createAacEncoder(16000);
    for (const chunk of chunks(testSignal(16000).subarray(0, 4000), 16000)) await encoder.encode(chunk);
    parseAdts(await encoder.flush());
    assert.throws(() => encoder.encode(new Int16Array(10)), /after flush/);
    const empty = await createAacEncoder(24000);
    assert.equal((await empty.flush()).length, 0, 'no samples, no frames');
  });
});
