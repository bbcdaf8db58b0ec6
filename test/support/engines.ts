/**
 * The engines under test, for tests that run once per engine: the contract and the features must hold for
 * every engine a user can pick, not only the one the tests were first written against. The built-in engines
 * are always there; the neural ones (Piper, Kokoro) serve the test models of test/support/onnx-models.ts from
 * a data folder made once per test process (NEURAL_DATA_DIR), which a server gets as its `dataDir`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../src/engines/engine.js';
import { NEURAL_ENGINES } from '../../src/engines/neural.js';
import { discoverNeuralVoices } from '../../src/engines/onnx/discovery.js';
import { BUILT_IN_ENGINES, type EnginePlugin } from '../../src/engines/registry.js';
import { listVoices, type Voice } from '../../src/voices/catalogue.js';
import { modelCatalogueVoices } from '../../src/voices/models.js';
import { writeKokoroVoice, writePiperVoice } from './onnx-models.js';

export interface EngineUnderTest {
  /** The engine's id (a voice's `engine`). */
  readonly id: string;
  /** The engine's first (default) English voice. */
  readonly voice: Voice;
  /** A generated test model (a tone, not speech): the tests that need speech's shape leave it out. */
  readonly testModel?: true;
}

export interface BuiltInEngineUnderTest extends EngineUnderTest {
  readonly plugin: EnginePlugin;
}

/** The built-in engines' default English voices: what needs no data folder (`voxwire say`, in-process engines). */
export const ENGINES_UNDER_TEST: readonly BuiltInEngineUnderTest[] = BUILT_IN_ENGINES.map((plugin) => {
  const voices = listVoices().filter((voice) => voice.engine === plugin.id);
  const voice = voices.find((candidate) => candidate.language === 'en-US') ?? voices[0];
  if (voice === undefined) throw new Error(`the ${plugin.id} engine lists no voice`);
  return { id: plugin.id, plugin, voice };
});

/** Test models installed as a user installs real ones: a Piper voice and a Kokoro voice (the timestamped export). */
export const NEURAL_DATA_DIR = mkdtempSync(join(tmpdir(), 'voxwire-neural-under-test-'));
process.once('exit', () => rmSync(NEURAL_DATA_DIR, { recursive: true, force: true }));
writePiperVoice(join(NEURAL_DATA_DIR, 'voices', 'piper'), 'en_US-test-medium');
writeKokoroVoice(join(NEURAL_DATA_DIR, 'voices', 'kokoro', 'kokoro-test'), ['af_bella'], { durations: true });

const neuralVoices = await modelCatalogueVoices((await discoverNeuralVoices(NEURAL_DATA_DIR)).voices);

/** The neural engines' test voices, as a server given NEURAL_DATA_DIR lists them. */
export const NEURAL_ENGINES_UNDER_TEST: readonly EngineUnderTest[] = (['piper', 'kokoro'] as const).map((id) => {
  const voice = neuralVoices.find((candidate) => candidate.engine === id);
  if (voice === undefined) throw new Error(`no ${id} test voice in ${NEURAL_DATA_DIR}`);
  return { id, voice, testModel: true };
});

/** Every engine a server with NEURAL_DATA_DIR serves: what the conformance suite runs against. */
export const SERVED_ENGINES_UNDER_TEST: readonly EngineUnderTest[] = [...ENGINES_UNDER_TEST, ...NEURAL_ENGINES_UNDER_TEST];

/** The engine that speaks `voice` (built-in or neural), started on its own (`workers` threads); the caller closes it. */
export async function startEngineFor(voice: Voice, workers = 1): Promise<Engine> {
  const plugin = BUILT_IN_ENGINES.find((candidate) => candidate.id === voice.engine);
  const neural = voice.engine === 'piper' || voice.engine === 'kokoro' ? NEURAL_ENGINES[voice.engine] : undefined;
  if (plugin === undefined && neural === undefined) throw new Error(`no engine "${voice.engine}"`);
  const engine = plugin !== undefined ? plugin.start({ workers }) : neural!.start({ workers });
  await engine.ready();
  return engine;
}

/** The default en-US espeak-ng voice, for tests of what only espeak-ng does (its worker, its state, IPA input). */
export const ESPEAK_VOICE: Voice = (() => {
  const voice = listVoices().find((candidate) => candidate.engine === 'espeak-ng' && candidate.language === 'en-US');
  if (voice === undefined) throw new Error('no en-US espeak-ng voice');
  return voice;
})();
