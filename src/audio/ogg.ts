/**
 * Ogg pages (RFC 3533) for one logical stream: header, lacing values, payload and the page CRC. Packets
 * here are small (an Opus packet is at most 1,275 bytes per frame), so a page holds whole packets only and
 * a packet never continues on the next page.
 */

const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const PAGE_HEADER_BYTES = 27;
const MAX_SEGMENTS = 255;

export const PAGE_BOS = 0x02;
export const PAGE_EOS = 0x04;

/** CRC-32 of Ogg: polynomial 0x04C11DB7, not reflected, initial value 0, no final xor. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  }
  return crc;
}

/** Lacing values a packet needs: one per 255 bytes, plus the one (< 255) that ends it. */
function segmentsOf(packet: Uint8Array): number {
  return Math.floor(packet.length / 255) + 1;
}

export class OggPageWriter {
  private sequence = 0;

  constructor(private readonly serial: number) {}

  /** One page holding `packets` (whole), ending at `granule`; `flags` is PAGE_BOS, PAGE_EOS or 0. */
  page(packets: readonly Uint8Array[], granule: number, flags: number): Uint8Array {
    let segments = 0;
    let payload = 0;
    for (const packet of packets) {
      segments += segmentsOf(packet);
      payload += packet.length;
    }
    if (segments > MAX_SEGMENTS) throw new RangeError(`Ogg page: ${segments} lacing values, at most ${MAX_SEGMENTS} fit`);
    const page = new Uint8Array(PAGE_HEADER_BYTES + segments + payload);
    const view = new DataView(page.buffer);
    page.set(CAPTURE);
    page[5] = flags;
    // Granule positions stay far below 2^53 (years of 48 kHz audio), so a double carries them exactly.
    view.setUint32(6, granule % 0x100000000, true);
    view.setUint32(10, Math.floor(granule / 0x100000000), true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.sequence++, true);
    page[26] = segments;
    let lace = PAGE_HEADER_BYTES;
    let body = PAGE_HEADER_BYTES + segments;
    for (const packet of packets) {
      for (let left = packet.length; left >= 0; left -= 255) page[lace++] = Math.min(left, 255);
      page.set(packet, body);
      body += packet.length;
    }
    view.setUint32(22, oggCrc(page), true);
    return page;
  }
}
