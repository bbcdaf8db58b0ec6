/**
 * `voxwire serve` as a real child process (bin/voxwire.js, the way users run it), with its stdout captured:
 * for the tests that need a signal, an exit code or the log itself. It runs in a sandbox of its own
 * (test/support/child-env.ts): its own data folder unless the test passes `--data-dir`, no inherited VOXWIRE_*.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { childSandbox } from '../support/child-env.js';

export interface ChildServer {
  readonly process: ChildProcess;
  readonly streamUrl: string;
  readonly httpUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Log lines (stdout, one JSON object each) that parse. */
  logLines(): Record<string, unknown>[];
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** `env` is set in the child on top of `inherited` stripped of VOXWIRE_*; the sandbox goes when the child exits. */
export async function startChildServer(args: readonly string[], env: Readonly<Record<string, string>> = {}, inherited: NodeJS.ProcessEnv = process.env): Promise<ChildServer> {
  const sandbox = childSandbox(env, inherited);
  const child = spawn(process.execPath, sandbox.args('serve', '--port', '0', ...args), { env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', () => sandbox.remove());
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitedCode: number | null | undefined;
  void exited.then((code) => {
    exitedCode = code;
    for (const listener of listeners) listener();
  });

  const logLines = (): Record<string, unknown>[] =>
    text.split('\n').flatMap((line) => {
      try {
        const value = JSON.parse(line) as unknown;
        return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });

  async function waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logLines().find(match);
      if (found !== undefined) return found;
      if (exitedCode !== undefined) throw new Error(`server exited (${exitedCode}) before the log line; output:\n${text.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms; output:\n${text.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 200);
        function done(): void {
          clearTimeout(timer);
          listeners.delete(done);
          resolve();
        }
        listeners.add(done);
      });
    }
  }

  let ready: Record<string, unknown>;
  try {
    ready = await waitForLog((line) => line['msg'] === 'ready' && typeof line['stream'] === 'string');
  } catch (error) {
    // A server that never got ready must not outlive the test (or benchmark) that gave up on it.
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  const streamUrl = ready['stream'] as string;
  return {
    process: child,
    streamUrl,
    httpUrl: streamUrl.replace(/^ws/, 'http').replace(/\/stream$/, ''),
    output: () => text,
    logLines,
    waitForLog,
    exited,
  };
}
