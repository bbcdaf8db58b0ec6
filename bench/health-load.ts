/**
 * `npx tsx bench/health-load.ts [--root DIR] [--clients 20] [--seconds 15] [--format mp3] [--rate 48000]`
 *
 * How long `GET /health` takes while N clients stream long requests back to back: the event loop's
 * responsiveness under heavy output (issue 11: 20 MP3 clients at 48 kHz pushed its p50 to 381 ms). The server
 * runs in its own process from `--root` (another checkout, to compare before and after in one sitting).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { voiceForLanguage } from '../src/voices/catalogue.js';

/** espeak-ng's en-US voice, as in the main benchmark, so before/after runs of older trees compare. */
const DEFAULT_VOICE = voiceForLanguage('en-US', 'female', 'espeak-ng')!;
import { summarize } from './stats.js';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
    format: { type: 'string', default: 'mp3' },
    rate: { type: 'string', default: '48000' },
  },
});

const PARAGRAPH =
  'The committee met on Tuesday to discuss the budget for the coming year. After a long debate it agreed on most points, ' +
  'and the chair thanked everyone for their patience. The next meeting will take place in the spring, when the new figures are in. ';

const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VOXWIRE_')));
const server = spawn(process.execPath, ['--import', 'tsx', path.join(args.root, 'bench/server-process.ts'), '2', '1000'], {
  cwd: args.root,
  env: environment,
  stdio: ['pipe', 'pipe', 'inherit'],
});
const first = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
const streamUrl = (JSON.parse(first) as { streamUrl: string }).streamUrl;
const healthUrl = streamUrl.replace(/^ws/, 'http').replace(/\/stream$/, '/health');

const endAt = performance.now() + Number(args.seconds) * 1000;
let requests = 0;
async function client(): Promise<void> {
  const socket = new WebSocket(streamUrl, { perMessageDeflate: false });
  await new Promise((resolve) => socket.once('open', resolve));
  while (performance.now() < endAt) {
    await new Promise<void>((resolve) => {
      const onMessage = (data: Buffer): void => {
        const type = (JSON.parse(data.toString()) as { type: string }).type;
        if (type === 'audio') return;
        socket.off('message', onMessage);
        resolve();
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ voice_uuid: DEFAULT_VOICE.uuid, data: PARAGRAPH.repeat(3), output_format: args.format, sample_rate: Number(args.rate) }));
    });
    requests += 1;
  }
  socket.close();
}

const probes: number[] = [];
async function probe(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  while (performance.now() < endAt) {
    const startedAt = performance.now();
    await (await fetch(healthUrl)).text();
    probes.push(performance.now() - startedAt);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

await Promise.all([...Array.from({ length: Number(args.clients) }, client), probe()]);
server.stdin!.end();
await new Promise((resolve) => server.once('exit', resolve));
process.stdout.write(`${JSON.stringify({ root: args.root, clients: Number(args.clients), format: args.format, rate: Number(args.rate), requests, healthMs: summarize(probes) })}\n`);
