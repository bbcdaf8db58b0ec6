/**
 * Installs a Piper voice from the catalogue into `<data-dir>/voices/piper/`. Each file is downloaded to
 * `<name>.part` (a name discovery never takes for a voice), resumed with a Range request after an
 * interruption (or started again when the server ignores the range or the part is longer than the file), and
 * checked for its size and md5. Only when every file of the voice checks are they renamed into place, config
 * first, so a wrong checksum installs nothing and a model is never seen without its config.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { baseUrl, type CatalogueFile, type CatalogueVoice } from './piper-catalogue.js';

/** A download that receives nothing this long is abandoned (its part stays, for the next try). */
const STALL_MS = 30_000;

export interface PullProgress {
  /** Bytes of the voice's files present so far (resumed parts included), and in all. */
  readonly done: number;
  readonly total: number;
}

export interface PullOptions {
  readonly voicesUrl: string;
  readonly dataDir: string;
  readonly onProgress?: (progress: PullProgress) => void;
}

export class ChecksumError extends Error {
  override readonly name = 'ChecksumError';
}

export function piperFolder(dataDir: string): string {
  return join(dataDir, 'voices', 'piper');
}

const fileName = (file: CatalogueFile): string => file.path.slice(file.path.lastIndexOf('/') + 1);

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function matches(path: string, file: CatalogueFile): Promise<boolean> {
  return (await sizeOf(path)) === file.size && (await md5Of(path)) === file.md5;
}

/** Downloads `file` into `part`, continuing a part already there; reports each received piece. */
async function download(url: URL, part: string, file: CatalogueFile, received: (bytes: number) => void): Promise<void> {
  let have = (await sizeOf(part)) ?? 0;
  if (have > file.size) {
    await rm(part);
    have = 0;
  }
  if (have === file.size) return;
  const controller = new AbortController();
  let stall = setTimeout(() => controller.abort(new Error(`${url}: nothing received for ${STALL_MS / 1000} s`)), STALL_MS);
  try {
    const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: controller.signal });
    const resumed = response.status === 206;
    if (!resumed && response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    if (!response.body) throw new Error(`${url}: empty answer`);
    // A server that ignores the range sends the whole file again: the part starts over.
    if (!resumed && have > 0) received(-have);
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      clearTimeout(stall);
      stall = setTimeout(() => controller.abort(new Error(`${url}: nothing received for ${STALL_MS / 1000} s`)), STALL_MS);
      received(chunk.length);
    });
    await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  } finally {
    clearTimeout(stall);
  }
}

/** Installs `voice`; returns the paths installed. Throws ChecksumError (nothing installed) or the download's error (parts kept). */
export async function pullVoice(voice: CatalogueVoice, options: PullOptions): Promise<string[]> {
  const folder = piperFolder(options.dataDir);
  await mkdir(folder, { recursive: true });
  const total = voice.files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  const report = (bytes: number): void => {
    done += bytes;
    options.onProgress?.({ done, total });
  };
  // Config first: renamed in that order too, so the model never appears without it.
  const files = [...voice.files].sort((a, b) => Number(a.path.endsWith('.onnx')) - Number(b.path.endsWith('.onnx')));
  const ready: { part: string; target: string }[] = [];
  for (const file of files) {
    const target = join(folder, fileName(file));
    const part = `${target}.part`;
    if ((await sizeOf(part)) === undefined && (await matches(target, file).catch(() => false))) {
      report(file.size);
      continue;
    }
    report((await sizeOf(part)) ?? 0);
    await download(new URL(file.path, baseUrl(options.voicesUrl)), part, file, report);
    const size = await sizeOf(part);
    const md5 = await md5Of(part);
    if (size !== file.size || md5 !== file.md5) {
      await Promise.all(ready.map(({ part: other }) => rm(other, { force: true })));
      await rm(part, { force: true });
      throw new ChecksumError(`${fileName(file)}: ${size} bytes with md5 ${md5}, the catalogue says ${file.size} bytes with md5 ${file.md5}; nothing was installed`);
    }
    ready.push({ part, target });
  }
  for (const { part, target } of ready) await rename(part, target);
  return files.map((file) => join(folder, fileName(file)));
}
