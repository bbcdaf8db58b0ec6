/** EngineSegment.repeatable: the same segment gives the same samples on every worker, after any history. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { NEUTRAL_PROSODY, type Engine, type EngineSegment } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { renderSegment } from './measure.js';

let engine: Engine;
before(async () => {
  engine = createEspeakEngine({ workers: 2 });
  await engine.ready();
});
after(async () => {
  await engine.close();
});

async function samplesOf(segment: EngineSegment): Promise<Int16Array> {
  return (await renderSegment(engine, segment)).samples;
}

it('repeatable segments are identical across both workers and after other work', async () => {
  const segment: EngineSegment = { voice: ESPEAK_VOICE.spec, text: 'Hello there, this should repeat exactly.', prosody: NEUTRAL_PROSODY, repeatable: true };
  const other: EngineSegment = { voice: ESPEAK_VOICE.spec, text: 'Some other words move the state along.', prosody: NEUTRAL_PROSODY };
  // Two at once occupy both workers; then each worker does unrelated work before the next pair.
  const first = await Promise.all([samplesOf(segment), samplesOf(segment)]);
  await Promise.all([samplesOf(other), samplesOf(other)]);
  const second = await Promise.all([samplesOf(segment), samplesOf(segment)]);
  const reference = first[0]!;
  assert.ok(reference.length > 22050, 'a second or more of speech');
  for (const samples of [first[1]!, ...second]) assert.deepEqual(samples, reference);
});

it('without repeatable, espeak-ng output drifts with its history (why the flag exists)', async () => {
  const segment: EngineSegment = { voice: ESPEAK_VOICE.spec, text: 'Hello there, this should repeat exactly.', prosody: NEUTRAL_PROSODY };
  const runs: Int16Array[] = [];
  for (let i = 0; i < 4; i += 1) runs.push(await samplesOf(segment));
  assert.ok(runs.some((run) => run.length !== runs[0]!.length || run.some((value, index) => value !== runs[0]![index])));
});
