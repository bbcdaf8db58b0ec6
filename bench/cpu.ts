/**
 * CPU time spent during a measurement, by part: the server's main thread (protocol, framing, sockets), the
 * server's other threads (engine workers, GC, libuv), and this process (the load generator, or the engine
 * when the limit is measured). On a small machine these parts share the cores, so their cost per audio
 * second is what bounds throughput.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export type CpuSeconds = Record<string, number>;

/** Starts measuring; the returned function gives CPU seconds per part since the start. */
export type CpuMeter = () => () => CpuSeconds;

/** utime + stime of one thread or process from a /proc stat line, in seconds. */
function statSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function serverThreads(pid: number): { main: number; other: number } {
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      all += statSeconds(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      // A thread may end between listing and reading; its time is still in the process total below.
    }
  }
  const main = statSeconds(`/proc/${pid}/task/${pid}/stat`);
  return { main, other: Math.max(statSeconds(`/proc/${pid}/stat`), all) - main };
}

function ownSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Server process (by pid) and this process as the load generator. */
export function serverCpuMeter(pid: number): CpuMeter {
  return () => {
    const server = serverThreads(pid);
    const client = ownSeconds();
    return () => {
      const now = serverThreads(pid);
      return { serverMainThread: now.main - server.main, serverOtherThreads: now.other - server.other, loadGenerator: ownSeconds() - client };
    };
  };
}

/** This process, running the engine with its workers. */
export const engineCpuMeter: CpuMeter = () => {
  const start = ownSeconds();
  return () => ({ engineProcess: ownSeconds() - start });
};
