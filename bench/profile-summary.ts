/**
 * `tsx bench/profile-summary.ts FILE.cpuprofile [TOP]`: where a V8 CPU profile spends its time, as self time
 * per file:function and per file, in shares of the sampled time (idle excluded), so a finding can name
 * the place to fix.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Trims node_modules and repository paths so a row reads like "ws/lib/sender.js:frame". */
function place(node: ProfileNode): { file: string; fn: string } {
  const { url, functionName } = node.callFrame;
  const fn = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return { file: fn.startsWith('(') ? fn : '(native)', fn };
  const modules = url.lastIndexOf('node_modules/');
  const repo = url.indexOf('/work/main/');
  const file = modules >= 0 ? url.slice(modules + 'node_modules/'.length) : repo >= 0 ? url.slice(repo + '/work/main/'.length) : url.replace(/^node:/, 'node:');
  return { file, fn };
}

function summarizeProfile(profile: CpuProfile): { total: number; byFunction: [string, number][]; byFile: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    const { file, fn } = place(node);
    total += delta;
    selfByFunction.set(`${file}:${fn}`, (selfByFunction.get(`${file}:${fn}`) ?? 0) + delta);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + delta);
  });
  const sorted = (map: Map<string, number>): [string, number][] => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { total, byFunction: sorted(selfByFunction), byFile: sorted(selfByFile) };
}

const [path, top = '25'] = process.argv.slice(2);
if (path === undefined) {
  process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
const share = (micros: number): string => `${((100 * micros) / summary.total).toFixed(1).padStart(5)} %`;
process.stdout.write(`${basename(path)}: ${(summary.total / 1e6).toFixed(2)} s busy\n\nself time by file\n`);
for (const [file, micros] of summary.byFile.slice(0, Number(top))) process.stdout.write(`${share(micros)}  ${file}\n`);
process.stdout.write('\nself time by function\n');
for (const [name, micros] of summary.byFunction.slice(0, Number(top))) process.stdout.write(`${share(micros)}  ${name}\n`);
