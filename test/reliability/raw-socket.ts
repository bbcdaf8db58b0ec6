/**
 * A WebSocket client at the TCP level, for clients no library would write: one that never reads, one that
 * trickles its upgrade headers, one that connects and says nothing. Frames are masked as RFC 6455 requires.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export function tcpConnect(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server closes (or resets) the connection. */
export function closedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.once('close', () => resolve());
    socket.on('error', () => undefined);
    // Data must be consumed for 'end' to be seen.
    socket.on('data', () => undefined);
  });
}

/** Completes the upgrade on a raw socket and returns it, positioned right after the 101 response. */
export async function rawUpgrade(url: string): Promise<Socket> {
  const socket = await tcpConnect(url);
  const { pathname, host } = new URL(url);
  socket.write(
    `GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
  return socket;
}

/** One masked client frame (opcode 1 text, 2 binary). */
export function clientFrame(payload: Buffer, opcode: 1 | 2 = 1): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else if (length >= 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

/** Writes `frames` and waits until the kernel took them, so a never-reading client still sends everything. */
export async function writeAll(socket: Socket, frames: readonly Buffer[]): Promise<void> {
  for (const frame of frames) {
    if (!socket.write(frame)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}
