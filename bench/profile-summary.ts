/**
 * `tsx bench/profile-summary.ts FILE.cpuprofile [TOP] [--from S] [--to S]`: where a V8 CPU profile spends its
 * time, as self time per file:function and per file, in shares of the sampled time (idle excluded), so a
 * finding can name the place to fix. A profile spans the server's whole life; the busy share per 5 s shows
 * where each phase of the run lies, and --from/--to (seconds into the profile) keep one phase, such as a
 * single W3 level.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

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

const TIMELINE_STEP_US = 5e6;

interface ProfileSummary {
  readonly total: number;
  readonly byFunction: [string, number][];
  readonly byFile: [string, number][];
  /** Busy µs per 5 s of the whole profile, whatever the window. */
  readonly timeline: number[];
}

/** Samples between `fromUs` and `toUs` (µs since the profile started) count; the timeline counts them all. */
function summarizeProfile(profile: CpuProfile, fromUs: number, toUs: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const timeline: number[] = [];
  let total = 0;
  let at = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (!node || node.callFrame.functionName === '(idle)') return;
    const step = Math.floor(at / TIMELINE_STEP_US);
    while (timeline.length <= step) timeline.push(0);
    timeline[step]! += delta;
    if (at < fromUs || at > toUs) return;
    const { file, fn } = place(node);
    total += delta;
    selfByFunction.set(`${file}:${fn}`, (selfByFunction.get(`${file}:${fn}`) ?? 0) + delta);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + delta);
  });
  const sorted = (map: Map<string, number>): [string, number][] => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { total, byFunction: sorted(selfByFunction), byFile: sorted(selfByFile), timeline };
}

const { values: options, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' } } });
const [path, top = '25'] = positionals;
if (path === undefined) {
  process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP] [--from S] [--to S]\n');
  process.exit(2);
}
const from = Number(options.from ?? 0);
const to = Number(options.to ?? Infinity);
const summary = summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, from * 1e6, to * 1e6);
const share = (micros: number): string => `${((100 * micros) / summary.total).toFixed(1).padStart(5)} %`;
const steps = summary.timeline.map((busy, step) => `${(step * TIMELINE_STEP_US) / 1e6}s ${Math.round((100 * busy) / TIMELINE_STEP_US)}%`);
process.stdout.write(`${basename(path)}: busy share per 5 s: ${steps.join(', ')}\n`);
const window = options.from === undefined && options.to === undefined ? '' : ` between ${from} s and ${to} s`;
process.stdout.write(`${(summary.total / 1e6).toFixed(2)} s busy${window}\n\nself time by file\n`);
for (const [file, micros] of summary.byFile.slice(0, Number(top))) process.stdout.write(`${share(micros)}  ${file}\n`);
process.stdout.write('\nself time by function\n');
for (const [name, micros] of summary.byFunction.slice(0, Number(top))) process.stdout.write(`${share(micros)}  ${name}\n`);
