/** Worker-thread entry: Kokoro models on onnxruntime-node, with the embedded espeak-ng as phonemizer. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EngineChunk } from '../engine.js';
import { EspeakPhonemizer, type PhonemizedSentence } from '../espeak/phonemizer.js';
import { loadEspeak } from '../espeak/native.js';
import { ChunkStreamer, chunkSamplesFor } from '../onnx/chunks.js';
import { sessionOptions, speakSentences } from '../onnx/worker-side.js';
import type { NeuralRuntimeSettings } from '../onnx/voices.js';
import { createSession, float32Tensor, floatData, int64Tensor, numberTensorFor, type Session } from '../onnx/session.js';
import { evenDurations, utteranceEvents } from '../onnx/timing.js';
import { VoiceCache } from '../onnx/voice-cache.js';
import { hostJobs, type JobContext } from '../worker-host.js';
import {
  KOKORO_SAMPLE_RATE,
  KOKORO_STYLE_ROWS,
  KOKORO_STYLE_WIDTH,
  kokoroLanguage,
  readKokoroFolder,
  type KokoroFolder,
} from './folder.js';
import type { KokoroJob } from './job.js';
import { mixedStyle } from './mix.js';

/** Ids one inference takes between its two pads. */
export const KOKORO_MAX_IDS = 510;
/** Samples per frame of the timestamped export's `durations`. */
const FRAME_SAMPLES = 600;
/** kokoro-js's rewrites of espeak-ng symbols the model's vocabulary spells differently. */
const REWRITE: Readonly<Record<string, string>> = { ʲ: 'j', r: 'ɹ', x: 'k', ɬ: 'l' };

interface LoadedKokoro {
  readonly folder: KokoroFolder;
  readonly session: Session;
  readonly idsInput: string;
  readonly audioOutput: string;
  readonly durationsOutput: string | undefined;
  readonly styles: Map<string, Float32Array>;
  release(): Promise<void>;
}

async function loadKokoro(dir: string, runtime: NeuralRuntimeSettings): Promise<LoadedKokoro> {
  const folder = await readKokoroFolder(dir);
  const session = await createSession(await readFile(folder.model), sessionOptions(runtime));
  const idsInput = session.inputNames.find((name) => name === 'input_ids' || name === 'tokens');
  if (idsInput === undefined) throw new Error(`${folder.model}: no "input_ids" or "tokens" input`);
  const audioOutput = session.outputNames.find((name) => name === 'waveform' || name === 'audio') ?? session.outputNames[0]!;
  const durationsOutput = session.outputNames.find((name) => name === 'durations');
  return { folder, session, idsInput, audioOutput, durationsOutput, styles: new Map(), release: () => session.release() };
}

async function style(voice: LoadedKokoro, name: string): Promise<Float32Array> {
  let rows = voice.styles.get(name);
  if (!rows) {
    // The folder's listing was read at load; a voice the folder does not hold is the request's voice's fault.
    if (!voice.folder.voices.includes(name)) throw new Error(`no Kokoro voice "${name}" in ${dirname(voice.folder.model)}`);
    const bytes = await readFile(voice.folder.voiceFile(name));
    rows = new Float32Array(bytes.buffer, bytes.byteOffset, KOKORO_STYLE_ROWS * KOKORO_STYLE_WIDTH).slice();
    voice.styles.set(name, rows);
  }
  return rows;
}

interface Piece {
  /** The phonemes this inference speaks (a slice of the sentence: events come only from them). */
  readonly sentence: PhonemizedSentence;
  readonly ids: number[];
  /** For each id, the index of its phoneme in the piece. */
  readonly owner: number[];
}

/** A sentence's ids, cut after a space into pieces of at most 510 ids, the most the model takes at once. */
function pieces(sentence: PhonemizedSentence, vocab: ReadonlyMap<string, number>): Piece[] {
  const cuts: { ids: number[]; owner: number[] }[] = [];
  let ids: number[] = [];
  let owner: number[] = [];
  let lastSpace = -1;
  sentence.phonemes.forEach((symbol, index) => {
    const id = vocab.get(symbol);
    if (id === undefined) return;
    if (ids.length === KOKORO_MAX_IDS) {
      // Cut after the last space when there is one, so no word is split between two inferences.
      const cut = lastSpace > 0 ? lastSpace + 1 : ids.length;
      cuts.push({ ids: ids.slice(0, cut), owner: owner.slice(0, cut) });
      ids = ids.slice(cut);
      owner = owner.slice(cut);
      lastSpace = -1;
      for (let k = 0; k < ids.length; k++) if (sentence.phonemes[owner[k]!] === ' ') lastSpace = k;
    }
    if (symbol === ' ') lastSpace = ids.length;
    ids.push(id);
    owner.push(index);
  });
  if (ids.length > 0) cuts.push({ ids, owner });
  return cuts.map((cut, index) => {
    const from = index === 0 ? 0 : cut.owner[0]!;
    const to = index === cuts.length - 1 ? sentence.phonemes.length : cuts[index + 1]!.owner[0]!;
    return {
      sentence: { phonemes: sentence.phonemes.slice(from, to), wordOf: sentence.wordOf.slice(from, to), words: sentence.words },
      ids: cut.ids,
      owner: cut.owner.map((phoneme) => phoneme - from),
    };
  });
}

async function speak(voice: LoadedKokoro, job: KokoroJob, sentence: PhonemizedSentence, streamer: ChunkStreamer): Promise<boolean> {
  const files = await Promise.all(job.mix.map((part) => style(voice, part.voice)));
  for (const piece of pieces(sentence, voice.folder.vocab)) {
    // The style row is chosen by the number of tokens without the pads.
    const row = Math.min(KOKORO_STYLE_ROWS - 1, piece.ids.length);
    const ids = [0, ...piece.ids, 0];
    const result = await voice.session.run({
      [voice.idsInput]: int64Tensor(ids, [1, ids.length]),
      style: float32Tensor(mixedStyle(job.mix, files, row, KOKORO_STYLE_WIDTH), [1, KOKORO_STYLE_WIDTH]),
      speed: numberTensorFor(voice.session, 'speed', job.speed),
    });
    const audio = floatData(result[voice.audioOutput], voice.audioOutput);
    const frames = voice.durationsOutput === undefined ? undefined : result[voice.durationsOutput];
    const samplesPerId =
      frames?.type === 'float32' && frames.data.length === ids.length
        ? Float64Array.from(frames.data as Float32Array, (count) => count * FRAME_SAMPLES)
        : evenDurations(ids.length, audio.length);
    const events = utteranceEvents(piece.sentence, [-1, ...piece.owner, -1], samplesPerId, audio.length);
    if (!streamer.send({ audio, ...events })) return false;
  }
  return true;
}

await hostJobs<KokoroJob, EngineChunk>(async () => {
  const phonemizer = new EspeakPhonemizer(await loadEspeak());
  let runtime: NeuralRuntimeSettings | undefined;
  const cache = new VoiceCache((dir) => loadKokoro(dir, runtime!));
  return async (job: KokoroJob, context: JobContext<EngineChunk>) => {
    runtime = job.runtime;
    const espeakVoice = kokoroLanguage(job.mix[0]!.voice).espeak;
    const sentences = phonemizer.phonemize(job.text, { voice: espeakVoice, normalization: 'NFC', rewrite: REWRITE });
    const streamer = new ChunkStreamer(context, chunkSamplesFor(KOKORO_SAMPLE_RATE), job.gain);
    await speakSentences(sentences, context.cancelled, async (sentence) =>
      speak(await cache.get(job.dir, job.version, job.runtime.idleUnloadMs), job, sentence, streamer),
    );
  };
});
