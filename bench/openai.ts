/**
 * `npm run bench:openai`: first byte and real-time factor of `POST /v1/audio/speech` per response format at
 * OpenAI's 24 kHz, WAV beside the others in the same run. The compiled server runs in its own process (as in
 * `npm run bench`); one client asks for each W1 sentence in every format in turn, so a load spike on the
 * machine falls on all formats alike. The real-time factor is the request's wall time over the sentence's
 * audio duration (from its WAV, the same speech for every format). Prints a Markdown table; asserts nothing.
 */
import os from 'node:os';
import { STREAM_FORMATS } from '../src/audio/stream-encoder.js';
import { ServerHandle } from './server-handle.js';
import { summarize, type Summary } from './stats.js';
import { loadWorkloads } from './workloads.js';

const PASSES = 3;
const VOICE = 'alloy';

/** WAV first: the reference every other row sits beside. */
const VARIANTS = [
  ...['wav', ...STREAM_FORMATS.filter((format) => format !== 'wav')].map((format) => ({ label: format, format, stream: 'audio' })),
  { label: 'mp3 (sse)', format: 'mp3', stream: 'sse' },
] as const;

interface Timing {
  readonly firstByteMs: number;
  readonly totalMs: number;
  readonly bytes: number;
  readonly wavSeconds?: number;
}

async function speak(baseUrl: string, input: string, format: string, stream: string): Promise<Timing & { body: Buffer }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: VOICE, input, response_format: format, stream_format: stream }),
  });
  if (response.status !== 200) throw new Error(`${format}: status ${response.status}: ${await response.text()}`);
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let firstByteMs = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstByteMs < 0 && value.length > 0) firstByteMs = performance.now() - started;
    parts.push(value);
  }
  const body = Buffer.concat(parts);
  return { firstByteMs, totalMs: performance.now() - started, bytes: body.length, body };
}

const show = (summary: Summary, digits: number): string => `${summary.p50?.toFixed(digits)} / ${summary.p95?.toFixed(digits)}`;

const sentences = loadWorkloads().w1;
const server = await ServerHandle.start({ workers: 2, connections: 100 });
const baseUrl = server.streamUrl.replace(/^ws/, 'http').replace(/\/stream$/, '');
const timings = new Map<string, { firstByteMs: number[]; rtf: number[]; bits: number[] }>(VARIANTS.map(({ label }) => [label, { firstByteMs: [], rtf: [], bits: [] }]));
const loadAtStart = os.loadavg()[0]!;
try {
  // One warm-up round: the first request of each format pays for its encoder's first instance.
  for (const { format, stream } of VARIANTS) await speak(baseUrl, sentences[0]!, format, stream);
  for (let pass = 0; pass < PASSES; pass++) {
    for (const sentence of sentences) {
      let seconds = 0;
      for (const { label, format, stream } of VARIANTS) {
        const timing = await speak(baseUrl, sentence, format, stream);
        if (format === 'wav' && stream === 'audio') seconds = (timing.bytes - 44) / 2 / 24000;
        const row = timings.get(label)!;
        row.firstByteMs.push(timing.firstByteMs);
        row.rtf.push(timing.totalMs / 1000 / seconds);
        row.bits.push((timing.bytes * 8) / seconds / 1000);
      }
    }
  }
} finally {
  await server.stop();
}
console.log(
  `${sentences.length} W1 sentences × ${PASSES} passes, voice ${VOICE}, 24 kHz, one client on loopback; server compiled, own process, 2 workers; ` +
    `${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} cores, Node ${process.version}, 1-minute load average ${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end. p50 / p95.\n`,
);
console.log('| response_format | first byte ms | real-time factor | kbit/s |');
console.log('| --- | --- | --- | --- |');
for (const { label } of VARIANTS) {
  const row = timings.get(label)!;
  console.log(`| ${label} | ${show(summarize(row.firstByteMs), 1)} | ${show(summarize(row.rtf), 4)} | ${summarize(row.bits).p50?.toFixed(0)} |`);
}
