/**
 * The neural engines, by the engine name model discovery gives each voice: how to start one, and the spec a
 * discovered voice gets. Unlike the built-in plug-ins they start only once a model of theirs is installed
 * (a Piper worker holds espeak-ng and onnxruntime), and they are added to a running registry.
 */
import type { Engine, EngineVoiceSpec } from './engine.js';
import { createKokoroEngine, kokoroVoiceSpec } from './kokoro/engine.js';
import type { NeuralEngineName, NeuralEngineOptions, NeuralVoice } from './onnx/voices.js';
import { createPiperEngine, piperVoiceSpec } from './piper/engine.js';

export interface NeuralEngineKind {
  /** Shown in voice names ("Piper", "Kokoro"). */
  readonly title: string;
  start(options: NeuralEngineOptions): Engine;
  spec(voice: NeuralVoice): EngineVoiceSpec;
}

export const NEURAL_ENGINES: Readonly<Record<NeuralEngineName, NeuralEngineKind>> = {
  piper: { title: 'Piper', start: createPiperEngine, spec: piperVoiceSpec },
  kokoro: { title: 'Kokoro', start: createKokoroEngine, spec: kokoroVoiceSpec },
};
