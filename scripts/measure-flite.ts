/**
 * First audio and real-time factor of each flite voice (and espeak-ng en-us beside them, measured in the
 * same run), through the engine interface with one worker: median of RUNS warm runs per sentence.
 *
 *   npx tsx scripts/measure-flite.ts
 *
 * Not a test: the numbers depend on the machine and its load. The benchmark (npm run bench) is where
 * engines are compared over the server.
 */
import { performance } from 'node:perf_hooks';
import { NEUTRAL_PROSODY, type Engine, type EngineVoiceSpec } from '../src/engines/engine.js';
import { createEspeakEngine } from '../src/engines/espeak/engine.js';
import { createFliteEngine } from '../src/engines/flite/engine.js';
import { FLITE_VOICES } from '../src/engines/flite/voices.js';

const RUNS = 7;
const SENTENCES = {
  short: 'Hello, how can I help you today?',
  '22 words':
    'The quick brown fox jumps over the lazy dog while the children watch from the garden and laugh at its clever tricks.',
};

interface Run {
  readonly firstAudioMs: number;
  readonly rtf: number;
}

async function once(engine: Engine, voice: EngineVoiceSpec, text: string): Promise<Run> {
  const start = performance.now();
  let firstAudioMs = 0;
  let samples = 0;
  for await (const chunk of engine.synthesize({ voice, text, prosody: NEUTRAL_PROSODY }, new AbortController().signal)) {
    if (samples === 0 && chunk.samples.length > 0) firstAudioMs = performance.now() - start;
    samples += chunk.samples.length;
  }
  const seconds = samples / engine.capabilities.sampleRate;
  return { firstAudioMs, rtf: (performance.now() - start) / 1000 / seconds };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(label: string, engine: Engine, voice: EngineVoiceSpec): Promise<void> {
  for (const [name, text] of Object.entries(SENTENCES)) {
    await once(engine, voice, text);
    const runs: Run[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await once(engine, voice, text));
    const first = median(runs.map((run) => run.firstAudioMs)).toFixed(1);
    const rtf = median(runs.map((run) => run.rtf)).toFixed(4);
    console.log(`${label.padEnd(16)} ${name.padEnd(9)} first audio ${first.padStart(6)} ms   RTF ${rtf}`);
  }
}

const flite = createFliteEngine({ workers: 1 });
const espeak = createEspeakEngine({ workers: 1 });
try {
  await Promise.all([flite.ready(), espeak.ready()]);
  for (const voice of FLITE_VOICES) await measure(`flite ${voice.id}`, flite, voice.spec);
  await measure('espeak-ng en-us', espeak, { id: 'en-us', basePitch: 50, baseRate: 175 });
} finally {
  await Promise.all([flite.close(), espeak.close()]);
}
