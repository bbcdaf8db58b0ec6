import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEncodedStream } from '../../src/audio/encoded-stream.js';
import { MP3_START_DELAY_SAMPLES } from '../../src/audio/mp3.js';
import { decodeMp3 } from './mpeg.js';
import { concatBytes, rms } from './signal.js';
import { parseWav, wavSamples } from './wav-reader.js';

interface EspeakWorker {
  set_voice(name: string): void;
  synthesize(text: string, callback: (samples: Int16Array, events: unknown) => boolean): void;
}

/** Real speech from espeak-ng, in the chunks espeak delivers it. */
async function speak(text: string): Promise<{ chunks: Int16Array[]; rate: number }> {
  const espeak = (await (await import('@echogarden/espeak-ng-emscripten')).default()) as { eSpeakNGWorker: new () => EspeakWorker };
  const worker = new espeak.eSpeakNGWorker();
  worker.set_voice('en-us');
  const chunks: Int16Array[] = [];
  // The callback's array is a view into espeak's wasm memory, so copy it.
  worker.synthesize(text, (samples) => (chunks.push(samples.slice()), false));
  return { chunks, rate: 22050 };
}

describe('real speech through the encoded stream', () => {
  it('48 kHz WAV and MP3 keep the speech: length and loudness match the engine output', async () => {
    const { chunks, rate } = await speak('The quick brown fox jumps over the lazy dog. Streaming speech, one chunk at a time.');
    const engineSamples = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const engineRms = rms(chunks.flatMap((chunk) => Array.from(chunk))) / 32768;
    assert.ok(engineSamples > rate, 'espeak produced at least a second of speech');

    const wavStream = await createEncodedStream({ engineRate: rate, format: { format: 'wav', sampleRate: 48000, precision: 'PCM_16' }, header: 'streaming' });
    const wav = parseWav(concatBytes([...chunks.map((chunk) => wavStream.push(chunk)), wavStream.finish()]));
    const speech = wavSamples(wav);
    assert.equal(speech.length, Math.round((engineSamples * 48000) / rate));
    assert.ok(Math.abs(rms(speech) - engineRms) / engineRms < 0.05, `rms ${rms(speech)} vs engine ${engineRms}`);

    const mp3Stream = await createEncodedStream({ engineRate: rate, format: { format: 'mp3', sampleRate: 48000, precision: 'PCM_16' }, header: 'none' });
    const decoded = await decodeMp3(concatBytes([...chunks.map((chunk) => mp3Stream.push(chunk)), mp3Stream.finish()]));
    assert.equal(decoded.errors, 0);
    const content = decoded.samples.subarray(MP3_START_DELAY_SAMPLES, MP3_START_DELAY_SAMPLES + speech.length);
    assert.ok(Math.abs(rms(content) - engineRms) / engineRms < 0.15, `mp3 rms ${rms(content)} vs engine ${engineRms}`);
  });
});
