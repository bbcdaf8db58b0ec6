/**
 * Decodes audio with Debian's ffmpeg (an independent decoder: none of voxwire's code or libraries) into
 * 16-bit mono WAV on a pipe, and reads that with the tests' own WAV reader.
 */
import { spawn } from 'node:child_process';
import { parseWav } from './wav-reader.js';

export interface Decoded {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  /** What ffmpeg said at log level "error": a decode problem anywhere in the input. */
  readonly errors: string;
}

/**
 * `demuxer` names ffmpeg's input format (ogg, aac, flac, …) so that nothing is guessed from the bytes;
 * `inputOptions` describe headerless input (`-ar 24000` for raw s16le), `outputOptions` convert (`-ar 16000`).
 */
export function decodeWithFfmpeg(bytes: Uint8Array, demuxer: string, inputOptions: readonly string[] = [], outputOptions: readonly string[] = []): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const args = ['-nostdin', '-hide_banner', '-v', 'error', '-f', demuxer, ...inputOptions, '-i', 'pipe:0', '-ac', '1', ...outputOptions, '-c:a', 'pcm_s16le', '-f', 'wav', 'pipe:1'];
    const child = spawn('ffmpeg', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    // ffmpeg may stop reading early on bad input; the exit code and stderr say so, EPIPE adds nothing.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      const errors = Buffer.concat(err).toString('utf8');
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}: ${errors}`));
      const wav = parseWav(Buffer.concat(out));
      const data = wav.data;
      const samples = new Int16Array(data.length >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = (data[2 * i] as number) | ((data[2 * i + 1] as number) << 8);
      resolve({ samples, sampleRate: wav.sampleRate, errors });
    });
    child.stdin.end(bytes);
  });
}

/** The lag (in samples, 0 … maxLag) at which `decoded` best matches `reference`, by cross-correlation. */
export function bestLag(reference: ArrayLike<number>, decoded: ArrayLike<number>, maxLag: number): number {
  let lag = 0;
  let best = -Infinity;
  for (let candidate = 0; candidate <= maxLag; candidate++) {
    let sum = 0;
    for (let i = 0; i < reference.length; i += 2) sum += (reference[i] as number) * ((decoded[i + candidate] as number | undefined) ?? 0);
    if (sum > best) [best, lag] = [sum, candidate];
  }
  return lag;
}
