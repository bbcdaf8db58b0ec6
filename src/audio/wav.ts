/**
 * WAV headers for streams whose length is unknown when the header goes out (RIFF and data sizes are
 * 0xFFFFFFFF), plain or carrying the alignment as `cue ` points with `LIST`/`adtl`/`ltxt` labels
 * (protocol.md section 3, the layout `@resemble/node`'s StreamDecoder reads).
 */
import { bytesPerSample, type AudioFormat, type Precision } from './formats.js';

/** One labelled region of the audio; ids are assigned in order, starting at 1. */
export interface WavCue {
  readonly sampleOffset: number;
  readonly lengthSamples: number;
  readonly purpose: 'grph' | 'phon';
  readonly text: string;
}

export const STREAMING_WAV_HEADER_BYTES = 44;
const FMT_HEADER_BYTES = 36;
const UNKNOWN_SIZE = 0xffffffff;
const CUE_POINT_BYTES = 24;
/** ltxt body before the text: cue id, length, purpose, country, language, dialect, code page. */
const LTXT_FIXED_BYTES = 20;

const FORMAT_TAG_PCM = 1;
const FORMAT_TAG_MULAW = 7;

/** The 44-byte header of a mono WAV stream of unknown length. */
export function streamingWavHeader(sampleRate: number, precision: Precision): Buffer {
  const header = Buffer.alloc(STREAMING_WAV_HEADER_BYTES);
  writeFmtHeader(header, sampleRate, precision);
  writeChunkHeader(header, FMT_HEADER_BYTES, 'data', UNKNOWN_SIZE);
  return header;
}

/** RIFF/WAVE/fmt, then `cue ` and `LIST`/`adtl` describing `cues`, then the header of an open `data` chunk. */
export function wavHeaderWithCues(sampleRate: number, precision: Precision, cues: readonly WavCue[]): Buffer {
  const texts = cues.map((cue) => Buffer.from(`${cue.text}\0`, 'utf8'));
  const cueChunkBytes = 8 + 4 + CUE_POINT_BYTES * cues.length;
  const listBodyBytes = 4 + texts.reduce((sum, text) => sum + 8 + even(LTXT_FIXED_BYTES + text.length), 0);
  const header = Buffer.alloc(FMT_HEADER_BYTES + cueChunkBytes + 8 + listBodyBytes + 8);
  writeFmtHeader(header, sampleRate, precision);

  let at = writeChunkHeader(header, FMT_HEADER_BYTES, 'cue ', cueChunkBytes - 8);
  at = header.writeUInt32LE(cues.length, at);
  cues.forEach((cue, index) => {
    const offset = checkedUint32(cue.sampleOffset, 'sampleOffset');
    at = header.writeUInt32LE(index + 1, at);
    // dwPosition: the play-order position, which is the sample offset when there is no playlist.
    at = header.writeUInt32LE(offset, at);
    at += header.write('data', at, 'latin1');
    at = header.writeUInt32LE(0, at);
    at = header.writeUInt32LE(0, at);
    at = header.writeUInt32LE(offset, at);
  });

  at = writeChunkHeader(header, at, 'LIST', listBodyBytes);
  at += header.write('adtl', at, 'latin1');
  cues.forEach((cue, index) => {
    const text = texts[index] as Buffer;
    // The chunk size excludes the pad byte, as RIFF requires; the pad byte itself is already zero.
    at = writeChunkHeader(header, at, 'ltxt', LTXT_FIXED_BYTES + text.length);
    at = header.writeUInt32LE(index + 1, at);
    at = header.writeUInt32LE(checkedUint32(cue.lengthSamples, 'lengthSamples'), at);
    at += header.write(cue.purpose, at, 'latin1');
    at += 8;
    at += text.copy(header, at);
    at = even(at);
  });

  writeChunkHeader(header, at, 'data', UNKNOWN_SIZE);
  return header;
}

/** RIFF (size unknown), WAVE and a 16-byte mono fmt chunk: the first 36 bytes of both headers. */
function writeFmtHeader(header: Buffer, sampleRate: number, precision: Precision): void {
  const blockAlign = bytesPerSample(precision);
  let at = writeChunkHeader(header, 0, 'RIFF', UNKNOWN_SIZE);
  at += header.write('WAVE', at, 'latin1');
  at = writeChunkHeader(header, at, 'fmt ', 16);
  at = header.writeUInt16LE(precision === 'MULAW' ? FORMAT_TAG_MULAW : FORMAT_TAG_PCM, at);
  at = header.writeUInt16LE(1, at);
  at = header.writeUInt32LE(sampleRate, at);
  at = header.writeUInt32LE(sampleRate * blockAlign, at);
  at = header.writeUInt16LE(blockAlign, at);
  header.writeUInt16LE(blockAlign * 8, at);
}

function writeChunkHeader(header: Buffer, at: number, id: string, size: number): number {
  header.write(id, at, 'latin1');
  return header.writeUInt32LE(size, at + 4);
}

function even(value: number): number {
  return value + (value & 1);
}

function checkedUint32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`WavCue.${field} must be an integer sample count, got ${value}`);
  }
  return value;
}

const RIFF_SIZE_OFFSET = 4;
const DATA_SIZE_OFFSET = 40;
/** Bytes of the 44-byte header that the RIFF size counts (everything after the RIFF size field). */
const RIFF_SIZE_BASE = 36;

/** The 44-byte header of a complete WAV holding `dataBytes` of samples (real RIFF and data sizes). */
export function wavFileHeader(format: AudioFormat, dataBytes: number): Buffer {
  const header = streamingWavHeader(format.sampleRate, format.precision);
  header.writeUInt32LE(RIFF_SIZE_BASE + dataBytes, RIFF_SIZE_OFFSET);
  header.writeUInt32LE(dataBytes, DATA_SIZE_OFFSET);
  return header;
}

/** A complete WAV: the 44-byte header with the real RIFF and data sizes, then the samples. */
export function wavFile(format: AudioFormat, data: Uint8Array): Buffer {
  return Buffer.concat([wavFileHeader(format, data.length), data]);
}
