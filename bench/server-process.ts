/**
 * Child-process entry: starts voxwire on a free loopback port and prints one JSON line with its URL, so the
 * load generator runs in another process (its work never shares the server's event loop) and the runner can
 * read this process's memory from /proc. Stops on SIGTERM or when stdin closes.
 */
import { startVoxwire } from '../src/app.js';

const workers = Number(process.argv[2] ?? '2');
const connections = Number(process.argv[3] ?? '2000');

const voxwire = await startVoxwire({ port: 0, workers, globalConnections: connections, perKeyConnections: connections });
process.stdout.write(`${JSON.stringify({ streamUrl: voxwire.streamUrl, pid: process.pid })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await voxwire.close();
  // --cpu-prof writes its profile on a normal exit, which process.exit() still is.
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
