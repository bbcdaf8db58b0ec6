/** Runs bench/server-process.ts (compiled) as a child and reads its memory from /proc while it works. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { compiled } from './compiled.js';

const START_TIMEOUT_MS = 30_000;

export interface ServerHandleOptions {
  readonly workers: number;
  readonly connections: number;
  /** When set, the server runs under `node --cpu-prof` and writes its profile into this folder. */
  readonly cpuProfileDir?: string;
}

export interface Memory {
  /** Resident set size now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set size of the process so far, MiB. */
  readonly hwmMiB: number;
}

export class ServerHandle {
  private constructor(
    private readonly child: ChildProcess,
    readonly streamUrl: string,
    readonly pid: number,
  ) {}

  static async start(options: ServerHandleOptions): Promise<ServerHandle> {
    const profile = options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
    const entry = await compiled('bench/server-process.ts');
    const child = spawn(process.execPath, [...profile, entry, String(options.workers), String(options.connections)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('voxwire did not start within 30 s')), START_TIMEOUT_MS);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`voxwire exited with code ${code} before it started`));
      });
    });
    const { streamUrl, pid } = JSON.parse(first) as { streamUrl: string; pid: number };
    return new ServerHandle(child, streamUrl, pid);
  }

  memory(): Memory {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
  }

  /** Samples RSS every `everyMs` until the returned function is called; that returns the peak in MiB. */
  samplePeakRss(everyMs = 100): () => number {
    let peak = this.memory().rssMiB;
    const timer = setInterval(() => (peak = Math.max(peak, this.memory().rssMiB)), everyMs);
    return () => {
      clearInterval(timer);
      return Math.max(peak, this.memory().rssMiB);
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}
