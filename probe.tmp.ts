import { startVoxwire } from './src/app.js';
const s = await startVoxwire({ port: 0, workers: 1 });
try {
  const post = async (p: string, body: unknown, method = 'POST') => { const r = await fetch(s.url + p, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); return [r.status, await r.json()] as const; };
  let t = performance.now();
  const [st, d] = await post('/api/v2/voice-design', { user_prompt: 'a very deep slow male voice like a dragon' });
  console.log(st, JSON.stringify(d), (performance.now()-t).toFixed(0), 'ms');
  t = performance.now();
  const [st2, d2] = await post('/api/v2/voice-design', { user_prompt: 'a whispery british woman' });
  console.log(st2, JSON.stringify(d2).slice(0, 400), (performance.now()-t).toFixed(0), 'ms');
  const wav = await fetch(d2.voice_candidates[0].audio_url); console.log('sample', wav.status, (await wav.arrayBuffer()).byteLength);
  console.log(await post('/api/v2/voice-design', { user_prompt: 'hello world' }));
  const [, pr] = await post(`/api/v2/voice-design/${d2.voice_candidates[0].uuid}/1/create_rapid_voice`, { voice_name: 'Whispy' });
  console.log(pr);
  const [, syn] = await post('/synthesize', { voice_uuid: pr.voice_uuid, data: 'Hello there', sample_rate: 22050 });
  console.log(syn.success, syn.duration);
  console.log(await post('/api/v2/voices', { name: 'Deep Rms', settings: { pitch: -3 } }));
  console.log((await (await fetch(s.url + '/api/v2/voices/' + pr.voice_uuid)).json()));
  console.log(await post('/api/v2/voices/' + pr.voice_uuid, {}, 'DELETE').catch(e=>e));
  const [, syn2] = await post('/synthesize', { voice_uuid: pr.voice_uuid, data: 'Hello there', sample_rate: 22050 });
  console.log(syn2);
  console.log((await fetch(d2.voice_candidates[0].audio_url)).status);
  console.log(await post('/api/v2/voices', { name: 'x', dataset_url: 'http://x' }));
} finally { await s.close(); }
