import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OggPageWriter, PAGE_EOS } from '../../src/audio/ogg.js';
import { createOpusEncoder, OPUS_PRE_SKIP } from '../../src/audio/opus.js';
import { createResampler } from '../../src/audio/resampler.js';
import { bestLag, decodeWithFfmpeg } from './ffmpeg.js';
import { testSignal } from './signal.js';
import { abandonStream, assertLevelAndPitch, encodeStreamed, wholeAndRagged, yieldsDuring } from './stream-encoding.js';

interface OggPage {
  readonly flags: number;
  readonly granule: number;
  readonly serial: number;
  readonly sequence: number;
  readonly packets: Uint8Array[];
}

/** CRC-32 of Ogg, bit by bit (the encoder uses a table): polynomial 0x04C11DB7, MSB first, no reflection. */
function crcBitwise(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** Splits `bytes` into Ogg pages; throws unless they are whole pages with good CRCs and whole packets. */
function parsePages(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    assert.equal(Buffer.from(bytes.subarray(at, at + 4)).toString('latin1'), 'OggS', `capture pattern at ${at}`);
    assert.equal(bytes[at + 4], 0, 'stream structure version');
    const segments = bytes[at + 26] as number;
    const lacing = bytes.subarray(at + 27, at + 27 + segments);
    const size = 27 + segments + lacing.reduce((sum, value) => sum + value, 0);
    assert.ok(at + size <= bytes.length, `page at ${at} runs past the end of the bytes`);
    const page = Uint8Array.from(bytes.subarray(at, at + size));
    const stored = view.getUint32(at + 22, true);
    page.fill(0, 22, 26);
    assert.equal(crcBitwise(page), stored, `CRC of page at ${at}`);
    const packets: Uint8Array[] = [];
    let body = at + 27 + segments;
    let length = 0;
    for (const value of lacing) {
      length += value;
      if (value < 255) {
        packets.push(bytes.subarray(body, body + length));
        body += length;
        length = 0;
      }
    }
    assert.equal(length, 0, 'a packet continues past its page');
    assert.equal(bytes[at + 5]! & 0x01, 0, 'continued-packet flag');
    pages.push({
      flags: bytes[at + 5] as number,
      granule: Number(view.getBigUint64(at + 6, true)),
      serial: view.getUint32(at + 14, true),
      sequence: view.getUint32(at + 18, true),
      packets,
    });
    at += size;
  }
  return pages;
}

/** The input as a 48 kHz decoder should give it back. */
async function at48k(input: Int16Array, rate: number): Promise<Int16Array> {
  if (rate === 48000) return input;
  const resampler = await createResampler(rate, 48000);
  return Int16Array.from([...resampler.process(input), ...resampler.flush()]);
}

describe('Ogg Opus', () => {
  // 24 kHz is OpenAI's rate; 16 and 48 kHz go to libopus as they are, 22,050 Hz is resampled to 48 kHz.
  for (const rate of [24000, 16000, 48000, 22050]) {
    it(`${rate} Hz: whole pages per call, headers by RFC 7845, decodes to the input's length, level and pitch`, async () => {
      const input = testSignal(rate);
      const { parts, bytes } = await encodeStreamed('opus', rate, input);
      const perCall = parts.map(parsePages);
      const pages = perCall.flat();
      // Every 100 ms push completes five 20 ms packets, which leave in that call.
      for (const [index, callPages] of perCall.slice(0, -1).entries()) {
        assert.ok(callPages.some((page) => page.packets.length > 0 && page.granule > 0), `call ${index} returned no audio page`);
      }
      const [head, tags] = pages;
      assert.equal(Buffer.from(head!.packets[0]!.subarray(0, 8)).toString('latin1'), 'OpusHead');
      const headView = new DataView(head!.packets[0]!.buffer, head!.packets[0]!.byteOffset);
      assert.equal(headView.getUint8(9), 1, 'channels');
      assert.equal(headView.getUint16(10, true), OPUS_PRE_SKIP);
      assert.equal(headView.getUint32(12, true), rate, 'input sample rate');
      assert.equal(head!.flags, 0x02);
      assert.equal(Buffer.from(tags!.packets[0]!.subarray(0, 8)).toString('latin1'), 'OpusTags');
      assert.deepEqual(pages.map((page) => page.sequence), pages.map((_, index) => index));
      assert.equal(new Set(pages.map((page) => page.serial)).size, 1);
      assert.equal(pages.at(-1)!.flags, 0x04, 'last page carries EOS');
      assert.ok(pages.slice(1, -1).every((page) => page.flags === 0));
      for (let i = 1; i < pages.length; i++) assert.ok(pages[i]!.granule >= pages[i - 1]!.granule, `granule goes back at page ${i}`);
      const expected = await at48k(input, rate);
      assert.equal(pages.at(-1)!.granule, OPUS_PRE_SKIP + expected.length, 'final granule: pre-skip plus the input');

      const decoded = await decodeWithFfmpeg(bytes, 'ogg');
      assert.equal(decoded.errors, '');
      assert.equal(decoded.sampleRate, 48000);
      assert.equal(decoded.samples.length, expected.length, 'pre-skip and end trimming leave exactly the input');
      assert.equal(bestLag(expected, decoded.samples, 2000), 0, 'pre-skip removes the whole encoder delay');
      assertLevelAndPitch(decoded.samples, 48000, input);
    });
  }

  it('ragged pushes of 1–700 samples decode exactly as one push of the whole input (which the encoder slices)', async () => {
    const input = testSignal(24000);
    const encoded = await wholeAndRagged('opus', 24000, input);
    const whole = await decodeWithFfmpeg(encoded.whole.bytes, 'ogg');
    const cut = await decodeWithFfmpeg(encoded.cut.bytes, 'ogg');
    assert.equal(whole.samples.length, 72000);
    assert.deepEqual(cut.samples, whole.samples);
  });

  it('consecutive streams, one abandoned between them, are each a complete file with its own serial number', async () => {
    const input = testSignal(24000);
    const first = await encodeStreamed('opus', 24000, input);
    await abandonStream('opus', 24000, input.subarray(0, 5000));
    const second = await encodeStreamed('opus', 24000, input.subarray(0, 12000));
    const serials = [first, second].map((encoded) => parsePages(encoded.bytes)[0]!.serial);
    assert.notEqual(serials[0], serials[1]);
    assert.equal((await decodeWithFfmpeg(first.bytes, 'ogg')).samples.length, 72000);
    assert.equal((await decodeWithFfmpeg(second.bytes, 'ogg')).samples.length, 24000);
  });

  it('a stream with no samples is still a valid file that decodes to (almost) nothing', async () => {
    const encoder = await createOpusEncoder(24000);
    const bytes = await encoder.flush();
    const pages = parsePages(bytes);
    assert.equal(pages.at(-1)!.flags, 0x04);
    const decoded = await decodeWithFfmpeg(bytes, 'ogg');
    assert.equal(decoded.errors, '');
    assert.ok(decoded.samples.length <= 960, `${decoded.samples.length} samples from an empty stream`);
    assert.throws(() => encoder.encode(new Int16Array(10)), /after flush/);
  });

  it('Ogg pages lace packets of 0, 255 and 300 bytes exactly, and refuse more than 255 lacing values', () => {
    const writer = new OggPageWriter(0xdeadbeef);
    const packets = [0, 255, 300].map((length) => new Uint8Array(length).fill(length & 0xff));
    const [page] = parsePages(writer.page(packets, 2 ** 40 + 7, PAGE_EOS));
    assert.deepEqual(page!.packets.map((packet) => packet.length), [0, 255, 300]);
    assert.deepEqual(page!.packets.map((packet) => packet[0]), [undefined, 255, 300 & 0xff]);
    assert.equal(page!.granule, 2 ** 40 + 7);
    assert.equal(page!.serial, 0xdeadbeef);
    assert.equal(parsePages(writer.page([], 0, 0))[0]!.sequence, 1);
    assert.throws(() => writer.page(Array.from({ length: 128 }, () => new Uint8Array(300)), 0, 0), RangeError);
  });

  it('a long push is encoded in slices that let the event loop run between them', async () => {
    const encoder = await createOpusEncoder(24000);
    const long = new Int16Array(24000 * 10).map((_, i) => Math.round(8000 * Math.sin(i / 7)));
    assert.equal(await yieldsDuring(() => encoder.encode(long)), true);
    assert.equal(await yieldsDuring(() => encoder.encode(long.subarray(0, 2400))), false, 'a short push is not delayed');
    encoder.dispose();
  });
});
