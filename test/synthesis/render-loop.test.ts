/**
 * Rendering keeps the event loop free (issue 11): silence, resampling and encoding of long output run in
 * slices, whatever the format; a whole rendering stops at its size cap with a catalogue error.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { AudioFormat } from '../../src/audio/formats.js';
import { NEUTRAL_PROSODY, type Engine } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { wireError } from '../support/wire-error.js';
import { createPipeline, type SynthesisPipeline } from '../../src/synthesis/pipeline.js';
import type { SynthesisPlan } from '../../src/synthesis/plan.js';
import { renderWhole } from '../../src/synthesis/render.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { sleep, waitUntil } from '../reliability/wait.js';

let engine: Engine;
let pipeline: SynthesisPipeline;
before(async () => {
  engine = createEspeakEngine({ workers: 1 });
  await engine.ready();
  pipeline = createPipeline({ engine: () => engine });
});
after(() => engine.close());

const speech = (text: string): SynthesisPlan['items'][number] => ({ kind: 'speech', written: text, spoken: text, prosody: NEUTRAL_PROSODY });

/** The longest the event loop went without a turn while `work` ran, in ms. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  await work();
  histogram.disable();
  return histogram.max / 1e6;
}

describe('rendering and the event loop', () => {
  for (const format of [
    { format: 'mp3', sampleRate: 48000, precision: 'PCM_16' },
    { format: 'wav', sampleRate: 48000, precision: 'PCM_32' },
  ] satisfies AudioFormat[]) {
    it(`29 s of breaks rendered as ${format.format} ${format.precision} at 48 kHz never hold the loop for long`, async () => {
      const plan: SynthesisPlan = { items: [speech('Wait.'), { kind: 'pause', seconds: 29, written: '' }, speech('Done.')] };
      // The same machine, idle for as long, gives the scheduling noise the bound allows for.
      const startedAt = performance.now();
      const rendered = await renderWhole(pipeline, { plan, voice: ESPEAK_VOICE }, format, new AbortController().signal);
      const renderMs = performance.now() - startedAt;
      assert.ok(rendered !== undefined && rendered.bytes > 0);
      // Three runs, the median kept: a rendering that does not yield stalls every run, a loaded machine now and then.
      const runs: { idle: number; busy: number }[] = [];
      for (let run = 0; run < 3; run += 1) {
        const idle = await longestStall(() => sleep(renderMs));
        const busy = await longestStall(() => renderWhole(pipeline, { plan, voice: ESPEAK_VOICE }, format, new AbortController().signal));
        runs.push({ idle, busy });
      }
      const { idle, busy } = runs.sort((a, b) => a.busy - b.busy)[1]!;
      assert.ok(busy <= Math.max(50, 3 * idle + 20), `longest stall ${busy.toFixed(1)} ms rendering (idle: ${idle.toFixed(1)} ms; one whole run took ${renderMs.toFixed(0)} ms)`);
    });
  }

  it('a whole rendering past its size cap fails with TextTooLong and stops the engine', async () => {
    const plan: SynthesisPlan = { items: [speech('This sentence is long enough to make more than a few kilobytes of audio at this rate. '.repeat(6))] };
    await assert.rejects(
      renderWhole(pipeline, { plan, voice: ESPEAK_VOICE }, { format: 'wav', sampleRate: 48000, precision: 'PCM_32' }, new AbortController().signal, { maxBytes: 50_000 }),
      (thrown: unknown) => {
        const error = wireError(thrown);
        return error.errorName === 'TextTooLong' && /50000 bytes/.test(error.message);
      },
    );
    await waitUntil(() => engine.stats?.().busy === 0 && engine.stats?.().queued === 0, 10_000, 'the engine is idle again');
  });
});
