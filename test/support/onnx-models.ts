/**
 * Small ONNX models with exactly the signatures of real Piper and Kokoro exports, built in memory with
 * onnx-proto, plus the files that go beside them. Their audio depends on what they are fed, so tests can
 * prove through the audio alone that ids, scales, speaker and style reached the model as the real engines
 * feed them:
 *
 * - Piper: frames per id = ceil(((id mod 5) + 1) × length_scale) from the graph's one `Ceil` node; the output
 *   is a sine of sum(frames) × 256 samples at 200 + 100 × sid Hz with amplitude 0.75 × noise_scale.
 * - Kokoro: durations per id = ((id mod 3) + 1) / speed frames of 600 samples; the output is a sine of
 *   sum(durations) × 600 samples at 100 + 1000 × style[0] Hz with amplitude 0.5.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const INT32 = onnx.TensorProto.DataType.INT32;

export const TEST_HOP_LENGTH = 256;
export const KOKORO_FRAME_SAMPLES = 600;

/** Frames the Piper test model gives an id at a length scale (what its `Ceil` node outputs). */
export function piperTestFrames(id: number, lengthScale: number): number {
  return Math.ceil(((id % 5) + 1) * lengthScale);
}

export function piperTestFrequency(speakerId: number): number {
  return 200 + 100 * speakerId;
}

/** Kokoro test model frames for an id at a speed. */
export function kokoroTestFrames(id: number, speed: number): number {
  return ((id % 3) + 1) / speed;
}

export function kokoroTestFrequency(style0: number): number {
  return 100 + 1000 * style0;
}

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

function floats(name: string, values: readonly number[], dims: readonly number[] = [values.length]): Onnx.ITensorProto {
  return { name, dataType: FLOAT, dims: [...dims], floatData: [...values] };
}

function int64s(name: string, values: readonly number[], dims: readonly number[] = [values.length]): Onnx.ITensorProto {
  return { name, dataType: INT64, dims: [...dims], int64Data: [...values] };
}

/** Pseudo-random float weights stored as raw bytes (as exporters store them). */
function weights(bytes: number): Onnx.ITensorProto {
  const values = new Float32Array(Math.floor(bytes / 4));
  for (let index = 0; index < values.length; index++) values[index] = Math.sin(index) * 1e-3;
  return { name: 'weights', dataType: FLOAT, dims: [values.length], rawData: new Uint8Array(values.buffer) };
}

function node(opType: string, inputs: string[], outputs: string[], attribute: Onnx.IAttributeProto[] = []): Onnx.INodeProto {
  return { opType, input: inputs, output: outputs, attribute, name: `${opType}_${outputs[0]}` };
}

const intAttr = (name: string, i: number): Onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

function encodeModel(graph: Onnx.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'voxwire-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The tone tail shared by both models: Range(0, samples) × ω → Sin × amplitude. */
function toneNodes(samples: string, omega: string, amplitude: string, out: string): Onnx.INodeProto[] {
  return [
    node('Range', ['zero_f', samples, 'one_f'], ['tone_n']),
    node('Mul', ['tone_n', omega], ['tone_phase']),
    node('Sin', ['tone_phase'], ['tone_sin']),
    node('Mul', ['tone_sin', amplitude], [out]),
  ];
}

export interface PiperModelOptions {
  readonly sampleRate?: number;
  /** Adds the `sid` input (multi-speaker model). */
  readonly multiSpeaker?: boolean;
  /** Uses Round instead of Ceil, so the alignment patch cannot find its node. */
  readonly withoutCeil?: boolean;
  /**
   * Adds this many bytes of float weights that every inference reads (a Gather at an input-dependent index),
   * so the runtime keeps them: a model of a real voice's size, for measuring memory per loaded voice.
   */
  readonly weightBytes?: number;
}

export function piperTestModel(options: PiperModelOptions = {}): Uint8Array {
  const sampleRate = options.sampleRate ?? 22050;
  const inputs = [
    valueInfo('input', INT64, [1, 'phonemes']),
    valueInfo('input_lengths', INT64, [1]),
    valueInfo('scales', FLOAT, [3]),
    ...(options.multiSpeaker ? [valueInfo('sid', INT64, [1])] : []),
  ];
  const initializer = [
    int64s('five', [5], []),
    floats('one_f', [1], []),
    floats('zero_f', [0], []),
    floats('zero_1', [0]),
    int64s('idx0', [0], []),
    int64s('idx1', [1], []),
    int64s('idx2', [2], []),
    int64s('axes1', [1]),
    floats('hop', [TEST_HOP_LENGTH], []),
    floats('amp_k', [0.75], []),
    floats('base_freq', [200]),
    ...(options.multiSpeaker ? [floats('per_speaker', [100])] : []),
    floats('two_pi_over_rate', [(2 * Math.PI) / sampleRate]),
    int64s('out_shape', [1, 1, 1, -1]),
    ...(options.weightBytes ? [weights(options.weightBytes)] : []),
  ];
  const frequency = options.multiSpeaker
    ? [
        node('Cast', ['sid'], ['sid_f'], [intAttr('to', FLOAT)]),
        node('Mul', ['sid_f', 'per_speaker'], ['sid_hz']),
        node('Add', ['base_freq', 'sid_hz'], ['freq']),
      ]
    : [node('Identity', ['base_freq'], ['freq'])];
  const nodes = [
    node('Mod', ['input', 'five'], ['id_mod']),
    node('Cast', ['id_mod'], ['id_mod_f'], [intAttr('to', FLOAT)]),
    node('Add', ['id_mod_f', 'one_f'], ['id_base']),
    node('Gather', ['scales', 'idx0'], ['noise_scale'], [intAttr('axis', 0)]),
    node('Gather', ['scales', 'idx1'], ['length_scale'], [intAttr('axis', 0)]),
    node('Gather', ['scales', 'idx2'], ['noise_w'], [intAttr('axis', 0)]),
    // input_lengths and noise_w only add ×0: every input must feed the result or the runtime prunes it.
    node('Cast', ['input_lengths'], ['lengths_f'], [intAttr('to', FLOAT)]),
    ...(options.weightBytes
      ? [
          node('Gather', ['weights', 'input_lengths'], ['weight_read'], [intAttr('axis', 0)]),
          node('Add', ['lengths_f', 'weight_read'], ['lengths_w']),
          node('Mul', ['lengths_w', 'zero_1'], ['lengths_zero']),
        ]
      : [node('Mul', ['lengths_f', 'zero_1'], ['lengths_zero'])]),
    node('Mul', ['noise_w', 'zero_f'], ['noise_w_zero']),
    node('Mul', ['id_base', 'length_scale'], ['scaled']),
    node('Add', ['scaled', 'lengths_zero'], ['scaled_1']),
    node('Add', ['scaled_1', 'noise_w_zero'], ['scaled_2']),
    node('Unsqueeze', ['scaled_2', 'axes1'], ['durations']),
    node(options.withoutCeil ? 'Round' : 'Ceil', ['durations'], ['frames_per_id']),
    node('ReduceSum', ['frames_per_id'], ['total_frames'], [intAttr('keepdims', 0)]),
    node('Mul', ['total_frames', 'hop'], ['total_samples']),
    ...frequency,
    node('Mul', ['freq', 'two_pi_over_rate'], ['omega']),
    node('Mul', ['noise_scale', 'amp_k'], ['amplitude']),
    ...toneNodes('total_samples', 'omega', 'amplitude', 'flat'),
    node('Reshape', ['flat', 'out_shape'], ['output']),
  ];
  return encodeModel({
    name: 'piper-test',
    node: nodes,
    input: inputs,
    output: [valueInfo('output', FLOAT, [1, 1, 1, 'time'])],
    initializer,
  });
}

/** A phoneme id map in Piper's default numbering for the symbols the tests' sentences need (and more). */
export function piperIdMap(): Record<string, number[]> {
  const symbols = [
    '_', '^', '$', ' ', '!', "'", '(', ')', ',', '-', '.', ':', ';', '?',
    ...'abcdefhijklmnopqrstuvwxyz',
    'æ', 'ç', 'ð', 'ø', 'ħ', 'ŋ', 'œ', 'ǀ', 'ǁ', 'ǂ', 'ǃ', 'ɐ', 'ɑ', 'ɒ', 'ɓ', 'ɔ', 'ɕ', 'ɖ', 'ɗ', 'ɘ', 'ə', 'ɚ', 'ɛ',
    'ɜ', 'ɞ', 'ɟ', 'ɠ', 'ɡ', 'ɢ', 'ɣ', 'ɤ', 'ɥ', 'ɦ', 'ɧ', 'ɨ', 'ɪ', 'ɫ', 'ɬ', 'ɭ', 'ɮ', 'ɯ', 'ɰ', 'ɱ', 'ɲ', 'ɳ', 'ɴ',
    'ɵ', 'ɶ', 'ɸ', 'ɹ', 'ɺ', 'ɻ', 'ɽ', 'ɾ', 'ʀ', 'ʁ', 'ʂ', 'ʃ', 'ʄ', 'ʈ', 'ʉ', 'ʊ', 'ʋ', 'ʌ', 'ʍ', 'ʎ', 'ʏ', 'ʐ', 'ʑ',
    'ʒ', 'ʔ', 'ʕ', 'ʘ', 'ʙ', 'ʛ', 'ʜ', 'ʝ', 'ʟ', 'ʡ', 'ʢ', 'ʲ', 'ˈ', 'ˌ', 'ː', 'ˑ', '˞', 'β', 'θ', 'χ', 'ᵻ', 'ⱱ',
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '\u0327', '\u0303', '\u032A', '\u032F', '\u0329', 'ʰ',
  ];
  return Object.fromEntries(symbols.map((symbol, index) => [symbol, [index]]));
}

export interface PiperConfigOptions {
  readonly sampleRate?: number;
  readonly speakers?: readonly string[];
  readonly espeakVoice?: string;
  readonly quality?: string;
  readonly languageCode?: string;
}

export function piperTestConfig(options: PiperConfigOptions = {}): object {
  const speakers = options.speakers ?? [];
  const idMap = piperIdMap();
  return {
    audio: { sample_rate: options.sampleRate ?? 22050, quality: options.quality ?? 'medium' },
    espeak: { voice: options.espeakVoice ?? 'en-us' },
    language: { code: options.languageCode ?? 'en_US' },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: 'espeak',
    phoneme_id_map: idMap,
    num_symbols: Object.keys(idMap).length,
    num_speakers: Math.max(1, speakers.length),
    speaker_id_map: Object.fromEntries(speakers.map((name, index) => [name, index])),
  };
}

/** Writes `<dir>/<key>.onnx` and `<key>.onnx.json`; returns the model path. */
export function writePiperVoice(
  dir: string,
  key: string,
  model: PiperModelOptions = {},
  config: PiperConfigOptions = {},
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${key}.onnx`);
  const sampleRate = config.sampleRate ?? model.sampleRate;
  writeFileSync(path, piperTestModel({ ...model, ...(sampleRate ? { sampleRate } : {}) }));
  const speakers = config.speakers ?? (model.multiSpeaker ? ['alpha', 'beta', 'gamma'] : []);
  writeFileSync(`${path}.json`, JSON.stringify(piperTestConfig({ ...config, speakers })));
  return path;
}

export interface KokoroModelOptions {
  /** `input_ids` (kokoro-v1.0) or `tokens` (some exports). */
  readonly idsName?: 'input_ids' | 'tokens';
  /** The "timestamped" export's second output. */
  readonly durations?: boolean;
  /** Exports that take speed as int32. */
  readonly int32Speed?: boolean;
}

export function kokoroTestModel(options: KokoroModelOptions = {}): Uint8Array {
  const ids = options.idsName ?? 'input_ids';
  const speedCast = options.int32Speed
    ? [node('Cast', ['speed'], ['speed_f'], [intAttr('to', FLOAT)])]
    : [node('Identity', ['speed'], ['speed_f'])];
  const nodes = [
    node('Mod', [ids, 'three'], ['id_mod']),
    node('Cast', ['id_mod'], ['id_mod_f'], [intAttr('to', FLOAT)]),
    node('Add', ['id_mod_f', 'one_f'], ['id_base']),
    ...speedCast,
    node('Div', ['id_base', 'speed_f'], ['dur_2d']),
    node('Reshape', ['dur_2d', 'flat_shape'], ['durations']),
    node('ReduceSum', ['durations'], ['total_frames'], [intAttr('keepdims', 0)]),
    node('Mul', ['total_frames', 'frame_samples'], ['total_samples']),
    node('Gather', ['style', 'idx0'], ['style0'], [intAttr('axis', 1)]),
    node('Mul', ['style0', 'per_style'], ['style_hz']),
    node('Add', ['style_hz', 'base_freq'], ['freq']),
    node('Mul', ['freq', 'two_pi_over_rate'], ['omega']),
    ...toneNodes('total_samples', 'omega', 'half', 'waveform'),
  ];
  return encodeModel({
    name: 'kokoro-test',
    node: nodes,
    input: [
      valueInfo(ids, INT64, [1, 'tokens']),
      valueInfo('style', FLOAT, [1, 256]),
      valueInfo('speed', options.int32Speed ? INT32 : FLOAT, [1]),
    ],
    output: [
      valueInfo('waveform', FLOAT, ['time']),
      ...(options.durations ? [valueInfo('durations', FLOAT, ['tokens'])] : []),
    ],
    initializer: [
      int64s('three', [3], []),
      floats('one_f', [1], []),
      floats('zero_f', [0], []),
      int64s('flat_shape', [-1]),
      int64s('idx0', [0], []),
      floats('frame_samples', [KOKORO_FRAME_SAMPLES], []),
      floats('per_style', [1000]),
      floats('base_freq', [100]),
      floats('half', [0.5], []),
      floats('two_pi_over_rate', [(2 * Math.PI) / 24000]),
    ],
  });
}

/** The first style value of row `row` in the test voice files: tests read the row used back from the pitch. */
export function kokoroStyleValue(voiceIndex: number, row: number): number {
  return 0.1 * (voiceIndex + 1) + row / 1000;
}

/** A raw float32 510×256 voice file whose row r starts with kokoroStyleValue(voiceIndex, r). */
export function kokoroVoiceFile(voiceIndex: number): Buffer {
  const rows = new Float32Array(510 * 256);
  for (let row = 0; row < 510; row++) {
    rows[row * 256] = kokoroStyleValue(voiceIndex, row);
    for (let k = 1; k < 256; k++) rows[row * 256 + k] = Math.sin(row + k);
  }
  return Buffer.from(rows.buffer);
}

/** Symbols of the Kokoro test vocabulary (a subset of the real one, same numbering style: pad 0). */
export function kokoroVocab(): Record<string, number> {
  const symbols = [
    ';', ':', ',', '.', '!', '?', '—', '…', '"', '(', ')', '“', '”', ' ',
    ...'abcdefhijklmnopqrstuvwxyz',
    'ɑ', 'ɐ', 'ɒ', 'æ', 'β', 'ɔ', 'ɕ', 'ç', 'ɖ', 'ð', 'ʤ', 'ə', 'ɚ', 'ɛ', 'ɜ', 'ɟ', 'ɡ', 'ɥ', 'ɨ', 'ɪ', 'ʝ', 'ɯ', 'ɰ',
    'ŋ', 'ɳ', 'ɲ', 'ɴ', 'ø', 'ɸ', 'θ', 'œ', 'ɹ', 'ɾ', 'ɻ', 'ʁ', 'ɽ', 'ʂ', 'ʃ', 'ʈ', 'ʧ', 'ʊ', 'ʋ', 'ʌ', 'ɣ', 'ɤ', 'χ',
    'ʎ', 'ʒ', 'ʔ', 'ˈ', 'ˌ', 'ː', 'ʰ', 'ʲ', '↓', '→', '↗', '↘', 'ᵻ',
  ];
  return Object.fromEntries(symbols.map((symbol, index) => [symbol, index + 1]));
}

/** Writes a Kokoro voice folder: model.onnx, config.json, voices/<name>.bin for each name. */
export function writeKokoroVoice(dir: string, voices: readonly string[], options: KokoroModelOptions = {}): string {
  mkdirSync(join(dir, 'voices'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), kokoroTestModel(options));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ vocab: kokoroVocab() }));
  voices.forEach((name, index) => writeFileSync(join(dir, 'voices', `${name}.bin`), kokoroVoiceFile(index)));
  return dir;
}
