import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStreamEncoder, STREAM_FORMATS } from '../../src/audio/stream-encoder.js';
import { decodeWithFfmpeg } from './ffmpeg.js';
import { parseWav } from './wav-reader.js';
import { testSignal } from './signal.js';
import { encodeChunks, encodeStreamed, ragged } from './stream-encoding.js';

describe("OpenAI's pcm and wav streams", () => {
  const input = testSignal(24000);

  it('pcm is the samples as 16-bit little-endian bytes, nothing else, however they were pushed', async () => {
    const expected = Buffer.alloc(input.length * 2);
    input.forEach((sample, i) => expected.writeInt16LE(sample, 2 * i));
    assert.deepEqual(Buffer.from((await encodeStreamed('pcm', 24000, input)).bytes), expected);
    assert.deepEqual(Buffer.from((await encodeChunks('pcm', 24000, ragged(input))).bytes), expected);
  });

  it('wav is a streaming header then the same bytes; ffmpeg reads it back exactly', async () => {
    const { parts, bytes } = await encodeStreamed('wav', 24000, input);
    assert.equal(parts[0]!.length, 44 + 2400 * 2, 'the header leaves with the first samples');
    const wav = parseWav(bytes);
    assert.equal(wav.sampleRate, 24000);
    assert.equal(wav.bitsPerSample, 16);
    assert.equal(wav.chunks.find((chunk) => chunk.id === 'data')?.size, 0xffffffff, 'open data chunk');
    const decoded = await decodeWithFfmpeg(bytes, 'wav');
    assert.deepEqual(decoded.samples, input);
    const empty = await encodeChunks('wav', 24000, []);
    assert.equal(empty.bytes.length, 44, 'a stream with no samples still has its header');
  });

  it('every format has a content type and refuses use after flush', async () => {
    const types = [];
    for (const format of STREAM_FORMATS) {
      const encoder = await createStreamEncoder(format, 24000);
      types.push(encoder.contentType);
      await encoder.flush();
      assert.throws(() => encoder.encode(input), /after flush/);
      encoder.dispose();
    }
    assert.deepEqual(types, ['audio/mpeg', 'audio/ogg; codecs=opus', 'audio/aac', 'audio/flac', 'audio/wav', 'audio/pcm;rate=24000']);
  });
});
