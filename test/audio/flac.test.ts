import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFlacEncoder, flacBlockSize } from '../../src/audio/flac.js';
import { decodeWithFfmpeg } from './ffmpeg.js';
import { testSignal } from './signal.js';
import { abandonStream, encodeStreamed, wholeAndRagged, yieldsDuring } from './stream-encoding.js';

interface StreamInfo {
  readonly minBlock: number;
  readonly maxBlock: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly totalSamples: number;
}

/** "fLaC" and the STREAMINFO block that must follow it (RFC 9639 section 8.2). */
function readStreamInfo(bytes: Uint8Array): StreamInfo {
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'fLaC');
  assert.equal((bytes[4] as number) & 0x7f, 0, 'first metadata block is STREAMINFO');
  const view = new DataView(bytes.buffer, bytes.byteOffset + 8);
  const packed = view.getBigUint64(10);
  return {
    minBlock: view.getUint16(0),
    maxBlock: view.getUint16(2),
    sampleRate: Number(packed >> 44n),
    channels: Number((packed >> 41n) & 7n) + 1,
    bitsPerSample: Number((packed >> 36n) & 31n) + 1,
    totalSamples: Number(packed & 0xfffffffffn),
  };
}

describe('FLAC', () => {
  for (const rate of [24000, 44100, 8000]) {
    it(`${rate} Hz: decodes to exactly the input, and every prefix of the calls' results is a playable stream`, async () => {
      const input = testSignal(rate);
      const { parts, bytes } = await encodeStreamed('flac', rate, input);
      const info = readStreamInfo(bytes);
      assert.deepEqual(
        { ...info },
        { minBlock: flacBlockSize(rate), maxBlock: flacBlockSize(rate), sampleRate: rate, channels: 1, bitsPerSample: 16, totalSamples: 0 },
      );
      const decoded = await decodeWithFfmpeg(bytes, 'flac');
      assert.equal(decoded.errors, '');
      assert.equal(decoded.sampleRate, rate);
      assert.deepEqual(decoded.samples, input, 'lossless');

      // A client that stops reading after any call holds whole frames: they decode cleanly to whole blocks.
      let prefix = 0;
      for (const [index, part] of parts.slice(0, -1).entries()) {
        prefix += part.length;
        if (index % 3 !== 0) continue;
        const early = await decodeWithFfmpeg(bytes.subarray(0, prefix), 'flac');
        assert.equal(early.errors, '', `prefix after call ${index}`);
        assert.equal(early.samples.length % flacBlockSize(rate), 0, `prefix after call ${index} ends inside a frame`);
        assert.ok(early.samples.length > (index + 1) * (rate / 10) - flacBlockSize(rate), `call ${index} held back more than a frame`);
        assert.deepEqual(early.samples, input.subarray(0, early.samples.length));
      }
    });
  }

  it('ragged pushes of 1–700 samples give the same bytes as one push of the whole input', async () => {
    const input = testSignal(24000);
    const { whole, cut } = await wholeAndRagged('flac', 24000, input);
    assert.deepEqual(cut.bytes, whole.bytes);
  });

  it('consecutive streams, one abandoned between them, are each complete and exact', async () => {
    const input = testSignal(24000);
    const first = await encodeStreamed('flac', 24000, input);
    await abandonStream('flac', 24000, input.subarray(0, 5000));
    const second = await encodeStreamed('flac', 24000, input.subarray(0, 7000));
    assert.deepEqual((await decodeWithFfmpeg(first.bytes, 'flac')).samples, input);
    assert.deepEqual((await decodeWithFfmpeg(second.bytes, 'flac')).samples, input.subarray(0, 7000));
  });

  it('an empty stream is a header only; a long push is encoded in slices; no use after flush or dispose', async () => {
    const empty = await createFlacEncoder(24000);
    const header = await empty.flush();
    assert.equal(readStreamInfo(header).sampleRate, 24000);
    assert.equal((await decodeWithFfmpeg(header, 'flac')).samples.length, 0);
    assert.throws(() => empty.encode(new Int16Array(10)), /after flush/);

    const encoder = await createFlacEncoder(24000);
    const long = new Int16Array(24000 * 10).map((_, i) => Math.round(8000 * Math.sin(i / 7)));
    assert.equal(await yieldsDuring(() => encoder.encode(long)), true);
    encoder.dispose();

    // A request cancelled while its push waits in line: the push fails instead of touching freed memory.
    const cancelled = await createFlacEncoder(24000);
    const pending = cancelled.encode(long);
    cancelled.dispose();
    await assert.rejects(pending, /disposed before its work ran/);
  });
});
