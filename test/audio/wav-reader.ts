/**
 * A WAV reader for tests across the project, written from the RIFF/WAVE spec (and protocol.md section 3),
 * not from voxwire's writer, so that it can catch the writer's mistakes.
 *
 * It accepts the streaming form (RIFF and data sizes 0xFFFFFFFF: the data runs to the end of the bytes),
 * walks every chunk, and reads `cue ` points and `LIST`/`adtl`/`ltxt` labels.
 */

export interface WavChunkInfo {
  readonly id: string;
  /** Offset of the chunk header in the file. */
  readonly offset: number;
  /** The size field as written (0xFFFFFFFF for an open data chunk). */
  readonly size: number;
}

export interface ParsedCue {
  readonly id: number;
  readonly position: number;
  readonly sampleOffset: number;
  readonly lengthSamples: number;
  readonly purpose: string;
  readonly text: string;
}

export interface ParsedWav {
  readonly riffSize: number;
  readonly formatTag: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly byteRate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
  /** Offset of the first data byte. */
  readonly dataOffset: number;
  readonly dataSize: number;
  readonly data: Uint8Array;
  /** Top-level chunks after RIFF/WAVE, in file order. */
  readonly chunks: readonly WavChunkInfo[];
  /** Sub-chunks of LIST/adtl, in file order. */
  readonly labelChunks: readonly WavChunkInfo[];
  /** In label order, joined with their cue points by id. */
  readonly cues: readonly ParsedCue[];
}

const OPEN_SIZE = 0xffffffff;

export function parseWav(bytes: Uint8Array): ParsedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || fourcc(0) !== 'RIFF' || fourcc(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');

  const chunks: WavChunkInfo[] = [];
  const labelChunks: WavChunkInfo[] = [];
  const points = new Map<number, { position: number; chunk: string; sampleOffset: number }>();
  const labels: { id: number; lengthSamples: number; purpose: string; text: string }[] = [];
  let fmt: DataView | undefined;
  let dataOffset = -1;
  let dataSize = 0;

  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(at);
    const size = view.getUint32(at + 4, true);
    chunks.push({ id, offset: at, size });
    const body = at + 8;
    if (id === 'data') {
      dataOffset = body;
      dataSize = size === OPEN_SIZE ? bytes.length - body : size;
      if (body + dataSize > bytes.length) throw new Error(`data chunk claims ${size} bytes, ${bytes.length - body} present`);
      if (size === OPEN_SIZE) break;
    } else {
      if (body + size > bytes.length) throw new Error(`chunk '${id}' at ${at} runs past the end`);
      if (id === 'fmt ') fmt = new DataView(bytes.buffer, bytes.byteOffset + body, size);
      if (id === 'cue ') readCuePoints(view, body, size, points, fourcc);
      if (id === 'LIST' && fourcc(body) === 'adtl') readLabels(bytes, view, body + 4, body + size, labelChunks, labels, fourcc);
    }
    at = body + size + (size & 1);
  }

  if (!fmt || fmt.byteLength < 16) throw new Error('no fmt chunk');
  if (dataOffset < 0) throw new Error('no data chunk');

  const cues = labels.map((label) => {
    const point = points.get(label.id);
    if (!point) throw new Error(`ltxt for cue ${label.id} has no cue point`);
    if (point.chunk !== 'data') throw new Error(`cue ${label.id} points into '${point.chunk}', not 'data'`);
    return { id: label.id, position: point.position, sampleOffset: point.sampleOffset, lengthSamples: label.lengthSamples, purpose: label.purpose, text: label.text };
  });
  if (points.size !== labels.length) throw new Error(`${points.size} cue points but ${labels.length} labels`);

  return {
    riffSize: view.getUint32(4, true),
    formatTag: fmt.getUint16(0, true),
    channels: fmt.getUint16(2, true),
    sampleRate: fmt.getUint32(4, true),
    byteRate: fmt.getUint32(8, true),
    blockAlign: fmt.getUint16(12, true),
    bitsPerSample: fmt.getUint16(14, true),
    dataOffset,
    dataSize,
    data: bytes.subarray(dataOffset, dataOffset + dataSize),
    chunks,
    labelChunks,
    cues,
  };
}

function readCuePoints(
  view: DataView,
  body: number,
  size: number,
  points: Map<number, { position: number; chunk: string; sampleOffset: number }>,
  fourcc: (at: number) => string,
): void {
  const count = view.getUint32(body, true);
  if (size !== 4 + 24 * count) throw new Error(`cue chunk size ${size} does not fit ${count} points`);
  for (let i = 0; i < count; i++) {
    const p = body + 4 + 24 * i;
    const id = view.getUint32(p, true);
    if (view.getUint32(p + 12, true) !== 0 || view.getUint32(p + 16, true) !== 0) throw new Error(`cue ${id}: chunk/block start not 0`);
    points.set(id, { position: view.getUint32(p + 4, true), chunk: fourcc(p + 8), sampleOffset: view.getUint32(p + 20, true) });
  }
}

function readLabels(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  labelChunks: WavChunkInfo[],
  labels: { id: number; lengthSamples: number; purpose: string; text: string }[],
  fourcc: (at: number) => string,
): void {
  let at = start;
  while (at + 8 <= end) {
    const id = fourcc(at);
    const size = view.getUint32(at + 4, true);
    labelChunks.push({ id, offset: at, size });
    if (at + 8 + size > end) throw new Error(`'${id}' at ${at} runs past its LIST`);
    if (id === 'ltxt') {
      const text = bytes.subarray(at + 28, at + 8 + size);
      if (text[text.length - 1] !== 0) throw new Error(`ltxt at ${at} text is not NUL-terminated`);
      labels.push({
        id: view.getUint32(at + 8, true),
        lengthSamples: view.getUint32(at + 12, true),
        purpose: fourcc(at + 16),
        text: new TextDecoder('utf-8', { fatal: true }).decode(text.subarray(0, text.length - 1)),
      });
    }
    at += 8 + size + (size & 1);
  }
  if (at !== end) throw new Error(`LIST/adtl ends at ${end} but its sub-chunks end at ${at}`);
}

/** G.711 µ-law byte to a linear 16-bit value (the midpoint of its quantisation step). */
export function mulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** The data of a mono PCM (tag 1, 16/24/32 bits) or µ-law (tag 7) WAV as floats in [-1, 1). */
export function wavSamples(wav: ParsedWav): Float64Array {
  const count = Math.floor(wav.data.length / wav.blockAlign);
  const out = new Float64Array(count);
  const view = new DataView(wav.data.buffer, wav.data.byteOffset, wav.data.byteLength);
  for (let i = 0; i < count; i++) {
    const at = i * wav.blockAlign;
    if (wav.formatTag === 7) out[i] = mulawDecode(wav.data[at] as number) / 32768;
    else if (wav.bitsPerSample === 16) out[i] = view.getInt16(at, true) / 32768;
    else if (wav.bitsPerSample === 24) out[i] = ((view.getUint16(at, true) | (view.getInt8(at + 2) << 16)) / 8388608);
    else if (wav.bitsPerSample === 32) out[i] = view.getInt32(at, true) / 2147483648;
    else throw new Error(`unsupported format tag ${wav.formatTag} / ${wav.bitsPerSample} bits`);
  }
  return out;
}
