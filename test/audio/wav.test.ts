import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRECISIONS } from '../../src/audio/formats.js';
import { streamingWavHeader, wavHeaderWithCues, type WavCue } from '../../src/audio/wav.js';
import { parseWav } from './wav-reader.js';

const EXPECTED = {
  PCM_16: { tag: 1, bits: 16 },
  PCM_24: { tag: 1, bits: 24 },
  PCM_32: { tag: 1, bits: 32 },
  MULAW: { tag: 7, bits: 8 },
} as const;

describe('streaming WAV header', () => {
  for (const precision of PRECISIONS) {
    it(`${precision}: 44 bytes, open sizes, right format`, () => {
      const header = streamingWavHeader(16000, precision);
      assert.equal(header.length, 44);
      const wav = parseWav(header);
      assert.equal(wav.riffSize, 0xffffffff);
      assert.equal(wav.chunks.at(-1)?.size, 0xffffffff);
      assert.equal(wav.dataOffset, 44);
      assert.equal(wav.formatTag, EXPECTED[precision].tag);
      assert.equal(wav.bitsPerSample, EXPECTED[precision].bits);
      assert.equal(wav.channels, 1);
      assert.equal(wav.sampleRate, 16000);
      assert.equal(wav.blockAlign, EXPECTED[precision].bits / 8);
      assert.equal(wav.byteRate, 16000 * wav.blockAlign);
    });
  }
});

describe('WAV header with cues', () => {
  const cues: WavCue[] = [
    { sampleOffset: 0, lengthSamples: 2400, purpose: 'grph', text: 'H' },
    { sampleOffset: 2400, lengthSamples: 1200, purpose: 'grph', text: 'é' },
    { sampleOffset: 3600, lengthSamples: 0, purpose: 'grph', text: ' ' },
    { sampleOffset: 0, lengthSamples: 1800, purpose: 'phon', text: 'h' },
    { sampleOffset: 1800, lengthSamples: 3000, purpose: 'phon', text: 'ˈoʊ' },
    { sampleOffset: 4800, lengthSamples: 480, purpose: 'phon', text: '' },
  ];

  it('round-trips every cue: id, text, purpose, offset, length', () => {
    const wav = parseWav(wavHeaderWithCues(48000, 'PCM_32', cues));
    assert.equal(wav.sampleRate, 48000);
    assert.equal(wav.bitsPerSample, 32);
    assert.deepEqual(
      wav.cues.map(({ id, sampleOffset, position, lengthSamples, purpose, text }) => ({ id, sampleOffset, position, lengthSamples, purpose, text })),
      cues.map((cue, i) => ({ id: i + 1, position: cue.sampleOffset, ...cue })),
    );
  });

  it('lays out RIFF, fmt, cue, LIST, data in that order with even chunk sizes and an open data chunk', () => {
    const header = wavHeaderWithCues(22050, 'MULAW', cues);
    const wav = parseWav(header);
    assert.deepEqual(wav.chunks.map((chunk) => chunk.id), ['fmt ', 'cue ', 'LIST', 'data']);
    assert.equal(wav.chunks[1]?.offset, 36, 'cue chunk follows the 36-byte RIFF/WAVE/fmt header');
    assert.equal(wav.riffSize, 0xffffffff);
    assert.equal(wav.chunks.at(-1)?.size, 0xffffffff);
    assert.equal(wav.dataOffset, header.length, 'PCM follows the header directly');
    assert.equal(wav.formatTag, 7);
    for (const chunk of [...wav.chunks.slice(0, -1), ...wav.labelChunks]) {
      // A RIFF size may be odd (a pad byte follows); each chunk must start on an even offset.
      assert.equal(chunk.offset % 2, 0, `${chunk.id} at ${chunk.offset}`);
    }
    assert.equal(wav.labelChunks.length, cues.length);
    assert.equal(header.length % 2, 0);
  });

  it('each ltxt is 20 bytes + NUL-terminated UTF-8 text, padded to even', () => {
    const header = wavHeaderWithCues(16000, 'PCM_16', cues);
    const wav = parseWav(header);
    wav.labelChunks.forEach((chunk, i) => {
      const text = Buffer.from((cues[i] as WavCue).text, 'utf8');
      assert.equal(chunk.size, 20 + text.length + 1);
      assert.equal(header.subarray(chunk.offset + 28, chunk.offset + 28 + text.length).toString('utf8'), (cues[i] as WavCue).text);
      assert.deepEqual([...header.subarray(chunk.offset + 20, chunk.offset + 28)], [0, 0, 0, 0, 0, 0, 0, 0]);
    });
  });

  it('with no cues is still a valid header', () => {
    const wav = parseWav(wavHeaderWithCues(8000, 'PCM_16', []));
    assert.deepEqual(wav.chunks.map((chunk) => chunk.id), ['fmt ', 'cue ', 'LIST', 'data']);
    assert.equal(wav.cues.length, 0);
  });

  it('rejects a cue that cannot be written', () => {
    assert.throws(() => wavHeaderWithCues(8000, 'PCM_16', [{ sampleOffset: -1, lengthSamples: 1, purpose: 'grph', text: 'a' }]));
  });
});
