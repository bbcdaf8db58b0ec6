/** Measurements on real engine audio, shared by the engine and voice tests. */
import type { Engine, EngineChunk, EngineSegment, PhonemeEvent, Prosody, WordEvent } from '../../src/engines/engine.js';
import { NEUTRAL_PROSODY } from '../../src/engines/engine.js';

export interface Rendered {
  readonly samples: Int16Array;
  readonly words: WordEvent[];
  readonly phonemes: PhonemeEvent[];
  readonly chunks: number;
}

export function concatChunks(chunks: readonly EngineChunk[]): Rendered {
  const samples = new Int16Array(chunks.reduce((sum, chunk) => sum + chunk.samples.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    samples.set(chunk.samples, offset);
    offset += chunk.samples.length;
  }
  return {
    samples,
    words: chunks.flatMap((chunk) => chunk.words),
    phonemes: chunks.flatMap((chunk) => chunk.phonemes),
    chunks: chunks.length,
  };
}

export async function render(
  engine: Engine,
  voice: EngineSegment['voice'],
  text: string,
  prosody: Prosody = NEUTRAL_PROSODY,
  ipa?: string,
): Promise<Rendered> {
  return renderSegment(engine, ipa === undefined ? { voice, text, prosody } : { voice, text, prosody, ipa });
}

/** Synthesizes one segment to the end and joins its chunks. */
export async function renderSegment(engine: Engine, segment: EngineSegment): Promise<Rendered> {
  const chunks: EngineChunk[] = [];
  for await (const chunk of engine.synthesize(segment, new AbortController().signal)) chunks.push(chunk);
  return concatChunks(chunks);
}

export function rms(samples: Int16Array): number {
  let energy = 0;
  for (const sample of samples) energy += sample * sample;
  return Math.sqrt(energy / Math.max(1, samples.length));
}

export interface PitchTrack {
  /** F0 (Hz) of each voiced frame, in time order. */
  readonly pitches: number[];
  /** Frames loud enough to hold speech (within 14 dB of the loudest), voiced or not. */
  readonly soundingFrames: number;
}

/**
 * F0 of every voiced frame, by normalized autocorrelation on 40 ms frames (10 ms hop): a frame loud enough to
 * hold speech is voiced when its autocorrelation peak exceeds 0.7.
 */
export function pitchTrack(samples: ArrayLike<number>, sampleRate: number): PitchTrack {
  const frame = Math.round(sampleRate * 0.04);
  const hop = Math.round(sampleRate * 0.01);
  const minLag = Math.floor(sampleRate / 500);
  const maxLag = Math.ceil(sampleRate / 60);
  const energies: number[] = [];
  for (let start = 0; start + frame + maxLag < samples.length; start += hop) {
    let energy = 0;
    for (let k = 0; k < frame; k++) energy += samples[start + k]! ** 2;
    energies.push(energy);
  }
  const loudest = Math.max(...energies);
  const pitches: number[] = [];
  let soundingFrames = 0;
  energies.forEach((energy, index) => {
    if (energy < loudest * 0.04) return;
    soundingFrames += 1;
    const start = index * hop;
    let best = 0;
    let bestLag = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let cross = 0;
      let lagged = 0;
      for (let k = 0; k < frame; k++) {
        cross += samples[start + k]! * samples[start + k + lag]!;
        lagged += samples[start + k + lag]! ** 2;
      }
      const score = cross / Math.sqrt(energy * lagged + 1e-9);
      if (score > best) {
        best = score;
        bestLag = lag;
      }
    }
    if (best > 0.7) pitches.push(sampleRate / bestLag);
  });
  return { pitches, soundingFrames };
}

/** Median F0 (Hz) over voiced frames (pitchTrack). */
export function medianF0(samples: ArrayLike<number>, sampleRate: number): number {
  const pitches = [...pitchTrack(samples, sampleRate).pitches].sort((a, b) => a - b);
  return pitches[Math.floor(pitches.length / 2)] ?? 0;
}

/** Spread of F0 over voiced frames: the interquartile range in semitones (robust to octave errors at the edges). */
export function f0SpreadSemitones(samples: ArrayLike<number>, sampleRate: number): number {
  const pitches = [...pitchTrack(samples, sampleRate).pitches].sort((a, b) => a - b);
  if (pitches.length < 4) return 0;
  return 12 * Math.log2(pitches[Math.floor(pitches.length * 0.75)]! / pitches[Math.floor(pitches.length * 0.25)]!);
}

/** Share of the sounding frames that are voiced: low for a whisper. */
export function voicedShare(samples: ArrayLike<number>, sampleRate: number): number {
  const track = pitchTrack(samples, sampleRate);
  return track.soundingFrames === 0 ? 0 : track.pitches.length / track.soundingFrames;
}

