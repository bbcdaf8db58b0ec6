/**
 * `npm run bench:client [-- --quick] [-- --passes N]`: the typed client's own cost. The W1 sentences are
 * spoken one at a time, each once through a raw `ws` client (bench/ws-client.ts) and once through
 * VoxwireClient, on two sockets to one voxwire (its own compiled process, as `npm start` runs it), in the same
 * run; the order alternates per sentence so that drift in the machine's load falls on both. First audio is
 * timed where each client hands audio to its caller: the raw client when it has parsed the frame and decoded
 * the base64, VoxwireClient when its iterator yields the chunk. Prints the medians and the paired difference.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { AudioFormat } from '../src/audio/formats.js';
import { VoxwireClient } from '../src/client/index.js';
import { voiceForLanguage } from '../src/voices/catalogue.js';
import { ServerHandle } from './server-handle.js';
import { round, summarize } from './stats.js';
import { loadWorkloads } from './workloads.js';
import { BenchClient } from './ws-client.js';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, passes: { type: 'string' } } });
const quick = args.quick ?? false;
const passes = Number(args.passes ?? (quick ? 1 : 5));
const workloads = loadWorkloads();
const sentences = quick ? workloads.w1.slice(0, 3) : workloads.w1;
/** The benchmark's voice and main format (bench/run.ts), so the figures sit beside its W1 row. */
const VOICE = voiceForLanguage('en-US', 'female', 'espeak-ng')!;
const FORMAT: AudioFormat = { format: 'wav', sampleRate: 22050, precision: 'PCM_16' };
const REQUEST_TIMEOUT_MS = 60_000;

async function throughRaw(raw: BenchClient, text: string): Promise<number> {
  const timing = await raw.speak(text, { voiceUuid: VOICE.uuid, format: FORMAT, binary: false, deadline: performance.now() + REQUEST_TIMEOUT_MS });
  if (!timing.completed || timing.firstAudioMs === null) throw new Error(`raw client: ${timing.error ?? 'no audio'}`);
  return timing.firstAudioMs;
}

async function throughClient(client: VoxwireClient, text: string): Promise<number> {
  const sentAt = performance.now();
  let firstAt: number | undefined;
  const speech = client.speak({ voice_uuid: VOICE.uuid, data: text, sample_rate: FORMAT.sampleRate, precision: FORMAT.precision, no_audio_header: true });
  for await (const chunk of speech) if (firstAt === undefined && chunk.audio.byteLength > 0) firstAt = performance.now();
  await speech.done;
  if (firstAt === undefined) throw new Error('VoxwireClient: no audio');
  return firstAt - sentAt;
}

async function main(): Promise<void> {
  const server = await ServerHandle.start({ workers: availableParallelism(), connections: 2 });
  const raw = await BenchClient.connect(server.streamUrl);
  const client = await VoxwireClient.connect({ url: server.streamUrl, reconnect: false });
  try {
    for (const text of sentences.slice(0, 3)) {
      await throughRaw(raw, text);
      await throughClient(client, text);
    }
    const rawMs: number[] = [];
    const clientMs: number[] = [];
    const differences: number[] = [];
    for (let pass = 0; pass < passes; pass += 1) {
      for (const [i, text] of sentences.entries()) {
        const clientFirst = (pass + i) % 2 === 0;
        const a = clientFirst ? await throughClient(client, text) : await throughRaw(raw, text);
        const b = clientFirst ? await throughRaw(raw, text) : await throughClient(client, text);
        const [viaClient, viaRaw] = clientFirst ? [a, b] : [b, a];
        rawMs.push(viaRaw);
        clientMs.push(viaClient);
        differences.push(viaClient - viaRaw);
      }
    }
    const rows = [
      ['raw ws client', summarize(rawMs)],
      ['VoxwireClient', summarize(clientMs)],
      ['client − raw (paired)', summarize(differences)],
    ] as const;
    console.log(`First audio, W1 (${sentences.length} sentences × ${passes} passes), ${VOICE.name}, PCM_16 22050 Hz JSON frames, ms:`);
    console.log('| client | requests | p50 | p95 | max |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [label, summary] of rows) console.log(`| ${label} | ${summary.count} | ${summary.p50} | ${summary.p95} | ${summary.max} |`);
    const mean = differences.reduce((sum, value) => sum + value, 0) / differences.length;
    console.log(`mean paired difference: ${round(mean)} ms`);
  } finally {
    raw.close();
    client.close();
    await server.stop();
  }
}

await main();
