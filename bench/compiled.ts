/**
 * The benchmark and the soak run the server as `npm start` does: compiled by tsc, on plain Node. Under tsx
 * every thread (main and each engine worker) also carries the TypeScript loader, measured here at about
 * 200 MiB per thread, which would be counted against voxwire's memory and CPU.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

let build: Promise<void> | undefined;

/** Compiles the project into dist/ once per process and returns the compiled path of a repo file. */
export async function compiled(repoRelativeTs: string): Promise<string> {
  build ??= new Promise<void>((resolve, reject) => {
    const tsc = spawn(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.json')], { stdio: 'inherit' });
    tsc.once('error', reject);
    tsc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed with exit code ${code}`))));
  });
  await build;
  return path.join(REPO, 'dist', repoRelativeTs.replace(/\.ts$/, '.js'));
}
