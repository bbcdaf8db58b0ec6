import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePcm, mulawEncodeSample, writePcm } from '../../src/audio/pcm.js';
import { mulawDecode } from './wav-reader.js';

const EDGES = Int16Array.from([0, 1, -1, 255, -256, 32767, -32768, 12345, -12345]);

describe('PCM encodings', () => {
  it('PCM_16 is the samples as signed little-endian', () => {
    const bytes = encodePcm(EDGES, 'PCM_16');
    const view = new DataView(bytes.buffer);
    assert.equal(bytes.length, EDGES.length * 2);
    EDGES.forEach((sample, i) => assert.equal(view.getInt16(i * 2, true), sample));
  });

  it('PCM_24 and PCM_32 keep full scale by left shift', () => {
    const b24 = encodePcm(EDGES, 'PCM_24');
    const b32 = encodePcm(EDGES, 'PCM_32');
    const v32 = new DataView(b32.buffer);
    assert.equal(b24.length, EDGES.length * 3);
    EDGES.forEach((sample, i) => {
      const s24 = ((b24[i * 3 + 2] as number) << 24 | (b24[i * 3 + 1] as number) << 16 | (b24[i * 3] as number) << 8) >> 8;
      assert.equal(s24, sample * 256);
      assert.equal(v32.getInt32(i * 4, true), sample * 65536);
    });
    assert.equal(v32.getInt32(5 * 4, true), 0x7fff0000);
    assert.equal(v32.getInt32(6 * 4, true), -0x80000000);
  });

  it('writePcm clears the low bytes of a reused buffer and reports its length', () => {
    const target = new Uint8Array(2 + EDGES.length * 4).fill(0xaa);
    assert.equal(writePcm(EDGES, 'PCM_32', target, 2), EDGES.length * 4);
    assert.deepEqual(target.subarray(2), encodePcm(EDGES, 'PCM_32'));
    assert.throws(() => writePcm(EDGES, 'PCM_32', target, 3));
  });

  it('µ-law known values', () => {
    assert.equal(mulawEncodeSample(0), 0xff);
    assert.equal(mulawEncodeSample(32767), 0x80);
    assert.equal(mulawEncodeSample(-32768), 0x00);
    assert.equal(mulawEncodeSample(-1), 0x7f);
    assert.deepEqual(Array.from(encodePcm(Int16Array.from([0, 32767, -32768]), 'MULAW')), [0xff, 0x80, 0x00]);
  });

  it('µ-law round trip stays within half a quantisation step for every 16-bit value', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i - 32768;
    const bytes = encodePcm(all, 'MULAW');
    let worstRelative = 0;
    for (let i = 0; i < all.length; i++) {
      const sample = all[i] as number;
      const clipped = Math.max(-32635, Math.min(32635, sample));
      const error = Math.abs(mulawDecode(bytes[i] as number) - clipped);
      // Steps double every octave: half a step is at most 1/32 of (|x| + bias).
      const bound = (Math.abs(clipped) + 0x84) / 32;
      assert.ok(error <= bound, `${sample} → ${bytes[i]} → ${mulawDecode(bytes[i] as number)}`);
      worstRelative = Math.max(worstRelative, error / bound);
    }
    assert.ok(worstRelative > 0.5, 'the bound is tight enough to catch a wrong step size');
  });
});
