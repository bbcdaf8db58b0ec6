import { startVoxwire } from './src/app.js';
import { parseWav, wavSamples } from './test/audio/wav-reader.js';
import { medianF0, f0SpreadSemitones, voicedShare, pitchTrack } from './test/engines/measure.js';
import { rms } from './test/conformance/server.js';
const s = await startVoxwire({ port: 0, workers: 2 });
try {
  const design = async (p: string) => { const r = await fetch(s.url + '/api/v2/voice-design', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_prompt: p }) }); return await r.json() as any; };
  for (const p of ['a deep male voice', 'a high-pitched male voice', 'a man', 'a woman', 'a british man', 'a british woman', 'a monotone british man', 'an expressive british man', 'a slow voice', 'a fast voice', 'a quiet voice', 'a loud voice', 'a whispering british woman', 'a breathy british woman', 'a raspy old british man', 'a slow british woman', 'a fast british woman']) {
    const t = performance.now();
    const d = await design(p);
    const ms = performance.now() - t;
    const out = [];
    for (const c of d.voice_candidates) {
      const wav = parseWav(new Uint8Array(await (await fetch(c.audio_url)).arrayBuffer()));
      const x = wavSamples(wav);
      out.push(`f0=${medianF0(x, wav.sampleRate).toFixed(0)} sp=${f0SpreadSemitones(x, wav.sampleRate).toFixed(1)} v=${voicedShare(x, wav.sampleRate).toFixed(2)} rms=${rms(x).toFixed(3)} dur=${(x.length / wav.sampleRate).toFixed(2)} snd=${pitchTrack(x, wav.sampleRate).soundingFrames}`);
    }
    console.log(p, d.engine, ms.toFixed(0) + 'ms', '\n   ' + out.join('\n   '));
  }
} finally { await s.close(); }
