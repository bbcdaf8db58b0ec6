/**
 * The built-in engines, for tests that run once per engine: the contract and the features must hold for
 * every engine a user can pick, not only the one the tests were first written against.
 */
import type { Engine } from '../../src/engines/engine.js';
import { BUILT_IN_ENGINES, type EnginePlugin } from '../../src/engines/registry.js';
import { listVoices, type Voice } from '../../src/voices/catalogue.js';

export interface EngineUnderTest {
  readonly plugin: EnginePlugin;
  /** The engine's first (default) English voice. */
  readonly voice: Voice;
}

export const ENGINES_UNDER_TEST: readonly EngineUnderTest[] = BUILT_IN_ENGINES.map((plugin) => {
  const voices = listVoices().filter((voice) => voice.engine === plugin.id);
  const voice = voices.find((candidate) => candidate.language === 'en-US') ?? voices[0];
  if (voice === undefined) throw new Error(`the ${plugin.id} engine lists no voice`);
  return { plugin, voice };
});

/** The built-in engine that speaks `voice`, started on its own (`workers` threads); the caller closes it. */
export async function startEngineFor(voice: Voice, workers = 1): Promise<Engine> {
  const plugin = BUILT_IN_ENGINES.find((candidate) => candidate.id === voice.engine);
  if (plugin === undefined) throw new Error(`no built-in engine "${voice.engine}"`);
  const engine = plugin.start({ workers });
  await engine.ready();
  return engine;
}

/** The default en-US espeak-ng voice, for tests of what only espeak-ng does (its worker, its state, IPA input). */
export const ESPEAK_VOICE: Voice = (() => {
  const voice = listVoices().find((candidate) => candidate.engine === 'espeak-ng' && candidate.language === 'en-US');
  if (voice === undefined) throw new Error('no en-US espeak-ng voice');
  return voice;
})();
