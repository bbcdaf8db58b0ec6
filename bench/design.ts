/**
 * Voice design's costs (`npm run bench:design`): the time to answer POST /api/v2/voice-design (three candidate
 * samples of the sample sentence, rendered and written) for prompts each engine designs, and the first audio
 * of a designed voice beside the built-in voice of the same engine, in the same run, taking turns. The server
 * runs in its own process with 2 workers, as in `npm run bench`. Prints Markdown; nothing is asserted.
 */
import { BenchClient } from './ws-client.js';
import { ServerHandle } from './server-handle.js';
import { summarize, type Summary } from './stats.js';
import { voiceForLanguage } from '../src/voices/catalogue.js';

const ROUNDS = Number(process.argv[2] ?? '20');
/** Each round designs every prompt afresh: a prompt repeated is a new design of the same candidates. */
const PROMPTS: readonly { readonly engine: string; readonly prompt: string; readonly base: { language: string; gender: 'male' | 'female' } }[] = [
  { engine: 'flite', prompt: 'a deep, slow man', base: { language: 'en-US', gender: 'male' } },
  { engine: 'espeak-ng', prompt: 'a breathy british woman with an expressive voice', base: { language: 'en-GB', gender: 'female' } },
];
const SENTENCES = [
  'Good morning, how can I help you today?',
  'Your order has shipped and will arrive on Thursday.',
  'Please hold while I transfer your call.',
  'The meeting moved to half past three.',
];
const FORMAT = { format: 'wav', sampleRate: 22050, precision: 'PCM_16' } as const;

const cell = (summary: Summary): string => `${summary.p50?.toFixed(1)} / ${summary.p95?.toFixed(1)}`;

async function main(): Promise<void> {
  const server = await ServerHandle.start({ workers: 2, connections: 100 });
  const base = server.streamUrl.replace(/^ws/, 'http').replace(/\/stream$/, '');
  const client = await BenchClient.connect(server.streamUrl);
  const rows: string[] = [];
  try {
    for (const { engine, prompt, base: builtIn } of PROMPTS) {
      const designMs: number[] = [];
      let designed: string | undefined;
      for (let round = 0; round < ROUNDS; round += 1) {
        const started = performance.now();
        const response = await fetch(`${base}/api/v2/voice-design`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_prompt: prompt }) });
        const answer = (await response.json()) as { engine: string; voice_candidates: { uuid: string }[] };
        designMs.push(performance.now() - started);
        if (answer.engine !== engine) throw new Error(`"${prompt}" was designed by ${answer.engine}, not ${engine}`);
        if (designed === undefined) {
          const made = await fetch(`${base}/api/v2/voice-design/${answer.voice_candidates[0]!.uuid}/0/create_rapid_voice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voice_name: `bench ${engine}` }) });
          designed = ((await made.json()) as { voice_uuid: string }).voice_uuid;
        }
      }
      const builtInUuid = voiceForLanguage(builtIn.language, builtIn.gender, engine)!.uuid;
      const firstAudio = { designed: [] as number[], builtIn: [] as number[] };
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const sentence of SENTENCES) {
          // Taking turns, so a load spike on the shared machine falls on both alike.
          for (const [kind, uuid] of [['designed', designed!], ['builtIn', builtInUuid]] as const) {
            const timing = await client.speak(sentence, { voiceUuid: uuid, format: FORMAT, binary: false, deadline: performance.now() + 30_000 });
            if (timing.error !== null || timing.firstAudioMs === null) throw new Error(`${kind} ${engine}: ${timing.error}`);
            firstAudio[kind].push(timing.firstAudioMs);
          }
        }
      }
      rows.push(`| ${engine} | "${prompt}" | ${cell(summarize(designMs))} | ${cell(summarize(firstAudio.designed))} | ${cell(summarize(firstAudio.builtIn))} |`);
    }
  } finally {
    client.close();
    await server.stop();
  }
  console.log(`Voice design, ${ROUNDS} rounds, server in its own process with 2 workers; ms, p50 / p95. First audio: ${SENTENCES.length} sentences × ${ROUNDS}, JSON frames, PCM_16 22050 Hz, designed and built-in voice taking turns on one socket.\n`);
  console.log('| engine | prompt | design request (3 samples) | first audio, designed voice | first audio, built-in voice |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

await main();
