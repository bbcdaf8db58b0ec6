/**
 * Speed and size of the stream encoders (`npm run bench:encoders`): real espeak-ng speech resampled to
 * OpenAI's 24 kHz, pushed in 100 ms chunks as a request would, and once as a single push (where slicing has
 * to keep the event loop free). Prints a Markdown table; not a test, nothing is asserted.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createResampler } from '../src/audio/resampler.js';
import { createStreamEncoder, STREAM_FORMATS, type StreamFormat } from '../src/audio/stream-encoder.js';

const RATE = 24000;
const RUNS = 3;
const TEXT =
  'Streaming speech arrives one chunk at a time, and every chunk must leave the server as soon as it is ready. ' +
  'The quick brown fox jumps over the lazy dog, while seven wizards quietly box a jovial king. ';

interface EspeakWorker {
  set_voice(name: string): void;
  synthesize(text: string, callback: (samples: Int16Array, events: unknown) => boolean): void;
}

async function speech(repeats: number): Promise<Int16Array> {
  const espeak = (await (await import('@echogarden/espeak-ng-emscripten')).default()) as { eSpeakNGWorker: new () => EspeakWorker };
  const worker = new espeak.eSpeakNGWorker();
  worker.set_voice('en-us');
  const parts: Int16Array[] = [];
  worker.synthesize(TEXT.repeat(repeats), (samples) => (parts.push(samples.slice()), false));
  const resampler = await createResampler(22050, RATE);
  return Int16Array.from([...parts.flatMap((part) => [...resampler.process(part)]), ...resampler.flush()]);
}

interface Run {
  readonly wallMs: number;
  readonly firstByteMs: number;
  readonly bytes: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

async function run(format: StreamFormat, input: Int16Array, chunkSamples: number): Promise<Run> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  let firstByteMs = -1;
  let bytes = 0;
  const count = (out: Uint8Array): void => {
    if (out.length > 0 && firstByteMs < 0) firstByteMs = performance.now() - start;
    bytes += out.length;
  };
  const encoder = await createStreamEncoder(format, RATE);
  for (let at = 0; at < input.length; at += chunkSamples) {
    count(await encoder.encode(input.subarray(at, at + chunkSamples)));
    // Engine chunks arrive as messages from worker threads: the event loop turns between them.
    await yieldToEventLoop();
  }
  count(await encoder.flush());
  const wallMs = performance.now() - start;
  delay.disable();
  return { wallMs, firstByteMs, bytes, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function loopDelay(runs: Run[]): string {
  return `${median(runs.map((r) => r.loopDelayP99Ms)).toFixed(1)} / ${median(runs.map((r) => r.loopDelayMaxMs)).toFixed(1)}`;
}

const input = await speech(6);
const seconds = input.length / RATE;
console.log(`${seconds.toFixed(1)} s of espeak-ng speech at ${RATE} Hz, median of ${RUNS} runs (after one warm-up run each)\n`);
console.log('| format | × real time | first bytes ms | kbit/s | event-loop delay p99 / max ms | the same, all pushed at once |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const format of STREAM_FORMATS) {
  await run(format, input, RATE / 10);
  const chunked: Run[] = [];
  const whole: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    chunked.push(await run(format, input, RATE / 10));
    whole.push(await run(format, input, input.length));
  }
  const speed = seconds / (median(chunked.map((r) => r.wallMs)) / 1000);
  const kbps = (median(chunked.map((r) => r.bytes)) * 8) / seconds / 1000;
  console.log(
    `| ${format} | ${speed.toFixed(0)} | ${median(chunked.map((r) => r.firstByteMs)).toFixed(1)} | ${kbps.toFixed(1)} | ` +
      `${loopDelay(chunked)} | ${loopDelay(whole)} |`,
  );
}
