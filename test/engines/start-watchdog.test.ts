/** A worker stuck while starting is replaced by the start watchdog; a pool whose workers never start fails. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NEUTRAL_PROSODY, EngineFailure } from '../../src/engines/engine.js';
import { createEspeakEngine } from '../../src/engines/espeak/engine.js';
import { START_HANG_WORKER } from './workers/faults.js';
import { ESPEAK_VOICE } from '../support/engines.js';

it('ready() rejects instead of waiting forever when every worker hangs while starting', { timeout: 60_000 }, async () => {
  const engine = createEspeakEngine({ workers: 1, startTimeoutMs: 3000, workerEntry: START_HANG_WORKER });
  try {
    await assert.rejects(engine.ready(), (error: unknown) => error instanceof EngineFailure && /fail to start/.test(error.message));
    const chunks = engine.synthesize({ voice: ESPEAK_VOICE.spec, text: 'Anyone there?', prosody: NEUTRAL_PROSODY }, new AbortController().signal);
    await assert.rejects(async () => {
      for await (const chunk of chunks) void chunk;
    }, EngineFailure);
  } finally {
    await engine.close();
  }
});
