/** Server memory with idle sockets: RSS after opening K connections that send nothing. */
import WebSocket from 'ws';
import type { ServerHandle } from './server-handle.js';
import { round } from './stats.js';

/** Time for the server to settle after a batch of connections (allocation, then nothing). */
const SETTLE_MS = 1_000;
/** Connections opened at once, so the accept queue never overflows. */
const BATCH = 50;

export interface IdleMemory {
  readonly sockets: number;
  readonly rssMiB: number;
}

export async function measureIdleSockets(server: ServerHandle, levels: readonly number[]): Promise<IdleMemory[]> {
  const open: WebSocket[] = [];
  const results: IdleMemory[] = [];
  try {
    for (const level of [...levels].sort((a, b) => a - b)) {
      while (open.length < level) {
        const batch = Math.min(BATCH, level - open.length);
        open.push(...(await Promise.all(Array.from({ length: batch }, () => connect(server.streamUrl)))));
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      results.push({ sockets: level, rssMiB: round(server.memory().rssMiB, 1) ?? 0 });
    }
  } finally {
    for (const socket of open) socket.terminate();
  }
  return results;
}

function connect(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', () => reject(new Error('server refused an idle connection')));
  });
}
