/**
 * Piper voices (VITS models in ONNX) on onnxruntime-node. Sessions run in worker threads; a segment's voice id
 * is a voice key from model discovery. Rate maps to length_scale, volume to gain; these models have no pitch
 * input, so pitch is not declared and the pipeline must refuse a pitch change.
 */
import type { Engine, EngineCapabilities } from '../engine.js';
import { neuralEngine, workerEntry } from '../onnx/pool.js';
import type { NeuralEngineOptions, NeuralVoice } from '../onnx/voices.js';
import type { PiperJob } from './job.js';

export interface PiperEngineOptions extends NeuralEngineOptions {
  /** Piper voices from discovery; all of one sample rate (the interface gives an engine one rate). */
  readonly voices: readonly NeuralVoice[];
}

export function piperCapabilities(voices: readonly NeuralVoice[]): EngineCapabilities {
  const rates = new Set(voices.map((voice) => voice.sampleRate));
  if (rates.size !== 1) throw new RangeError('a Piper engine serves voices of exactly one sample rate');
  return {
    name: 'piper',
    sampleRate: voices[0]!.sampleRate,
    languages: [...new Set(voices.map((voice) => voice.language))],
    prosody: { rate: true, pitch: false, volume: true },
    phonemeInput: false,
    timestamps: { words: true, phonemes: true },
    // Audio of a sentence is streamed after its inference, not while it runs.
    streaming: false,
  };
}

export function createPiperEngine(options: PiperEngineOptions): Engine {
  const voices = new Map(options.voices.filter((voice) => voice.engine === 'piper').map((voice) => [voice.key, voice]));
  return neuralEngine<PiperJob>(piperCapabilities([...voices.values()]), workerEntry(import.meta.url), options, (segment, runtime) => {
    const voice = voices.get(segment.voice.id);
    if (!voice) throw new Error(`no Piper voice "${segment.voice.id}"`);
    return {
      model: voice.path,
      speaker: voice.speakerId,
      text: segment.text,
      rate: segment.prosody.rate,
      gain: segment.prosody.volume,
      runtime,
    };
  });
}
