/** The client's and the playground's scripts, built as `npm run build` builds them (the page serves them from dist/). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './child-env.js';

export async function buildPageScripts(): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.client.json')], { cwd: REPO_ROOT });
}
