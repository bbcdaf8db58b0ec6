/**
 * Streaming Ogg Opus (RFC 7845) from libopus 1.4 (opusscript's wasm build). libopus takes 8, 12, 16, 24 and
 * 48 kHz itself, so OpenAI's 24 kHz goes in unchanged (libopus codes it in its 12 kHz-wide band and a player
 * decodes at 48 kHz); any other rate is resampled to 48 kHz first.
 *
 * Each encode() that completes at least one 20 ms packet returns one page holding those packets, so a
 * client hears audio one page per call; flush() pads the last frame and ends the stream with the EOS page,
 * whose granule position lets the decoder trim the padding.
 */
import { randomInt } from 'node:crypto';
import OpusScript from 'opusscript';
import { OggPageWriter, PAGE_BOS, PAGE_EOS } from './ogg.js';
import { createResampler, type StreamResampler } from './resampler.js';
import { concatBytes, EMPTY_BYTES, SlicedEncoder } from './stream-encoder.js';

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;
const OPUS_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000] satisfies OpusRate[];
/** Granule positions and pre-skip always count 48 kHz samples (RFC 7845 section 4). */
const GRANULE_RATE = 48000;
const FRAME_MS = 20;
/**
 * libopus's look-ahead in the non-low-delay modes: 2.5 ms of analysis plus 4 ms of delay compensation,
 * 312 samples at 48 kHz whatever the input rate; the decoder drops them as pre-skip.
 */
export const OPUS_PRE_SKIP = 312;
/** Mono speech: transparent enough at 24 kHz, about a fifth of what PCM needs. */
export const OPUS_BITRATE = 32000;
const OPUS_SET_BITRATE = 4002;
const VENDOR = 'voxwire (libopus 1.4)';

function isOpusRate(rate: number): rate is OpusRate {
  return OPUS_RATES.includes(rate);
}

export async function createOpusEncoder(sampleRate: number): Promise<OpusStreamEncoder> {
  const codecRate: OpusRate = isOpusRate(sampleRate) ? sampleRate : GRANULE_RATE;
  const resampler = codecRate === sampleRate ? undefined : await createResampler(sampleRate, codecRate);
  try {
    return new OpusStreamEncoder(sampleRate, codecRate, resampler);
  } catch (error) {
    resampler?.dispose();
    throw error;
  }
}

export class OpusStreamEncoder extends SlicedEncoder {
  readonly format = 'opus';
  readonly contentType = 'audio/ogg; codecs=opus';
  private readonly opus: OpusScript;
  private readonly pages = new OggPageWriter(randomInt(0x100000000));
  private readonly frameSamples: number;
  private readonly frame: Int16Array;
  /** The frame's bytes: opusscript takes PCM as a Buffer of little-endian bytes, not as samples. */
  private readonly frameBytes: Buffer;
  private framed = 0;
  private headers: Uint8Array | undefined;
  /** Samples at the codec rate taken in, and those inside encoded packets (input plus padding). */
  private inputSamples = 0;
  private packetSamples = 0;

  constructor(
    sampleRate: number,
    private readonly codecRate: OpusRate,
    private readonly resampler: StreamResampler | undefined,
  ) {
    super(sampleRate);
    this.opus = new OpusScript(codecRate, 1, OpusScript.Application.AUDIO);
    this.opus.encoderCTL(OPUS_SET_BITRATE, OPUS_BITRATE);
    this.frameSamples = (codecRate * FRAME_MS) / 1000;
    this.frame = new Int16Array(this.frameSamples);
    this.frameBytes = Buffer.from(this.frame.buffer, this.frame.byteOffset, this.frame.byteLength);
    this.headers = concatBytes([
      this.pages.page([opusHead(sampleRate)], 0, PAGE_BOS),
      this.pages.page([opusTags()], 0, 0),
    ]);
  }

  protected encodeSlice(samples: Int16Array): Uint8Array {
    return this.emit(this.framePackets(this.resampler ? this.resampler.process(samples) : samples), 0);
  }

  protected encodeEnd(): Uint8Array {
    const packets = this.resampler ? this.framePackets(this.resampler.flush()) : [];
    // Frames of silence until the look-ahead still inside libopus has come out too (and at least one
    // packet exists, so that even an empty stream has a last page to carry EOS).
    const lookahead = (OPUS_PRE_SKIP * this.codecRate) / GRANULE_RATE;
    while (this.packetSamples < this.inputSamples + lookahead || this.packetSamples === 0) {
      this.frame.fill(0, this.framed);
      this.framed = this.frameSamples;
      packets.push(this.encodeFrame());
    }
    return this.emit(packets, PAGE_EOS);
  }

  protected release(): void {
    this.opus.delete();
    this.resampler?.dispose();
  }

  /** Adds `input` (at the codec rate) to the frame being filled; the packets of the frames it completes. */
  private framePackets(input: Int16Array): Uint8Array[] {
    this.inputSamples += input.length;
    const packets: Uint8Array[] = [];
    for (let at = 0; at < input.length; ) {
      const take = Math.min(this.frameSamples - this.framed, input.length - at);
      this.frame.set(input.subarray(at, at + take), this.framed);
      this.framed += take;
      at += take;
      if (this.framed === this.frameSamples) packets.push(this.encodeFrame());
    }
    return packets;
  }

  private encodeFrame(): Uint8Array {
    // opusscript copies the frame into wasm memory and returns a fresh Buffer of the packet.
    const packet = this.opus.encode(this.frameBytes, this.frameSamples);
    this.framed = 0;
    this.packetSamples += this.frameSamples;
    return packet;
  }

  /**
   * The header pages (first call only), then one page of `packets`: a call encodes at most one slice
   * (13 packets of 20 ms, each at most 1,275 bytes, so 78 lacing values), which always fits one page. A
   * page's granule position counts the samples a decoder has produced once its packets are decoded,
   * pre-skip included; the EOS page's says where the real input ends (pre-skip plus input), so that the
   * decoder drops the padding after it.
   */
  private emit(packets: readonly Uint8Array[], flags: 0 | typeof PAGE_EOS): Uint8Array {
    const parts: Uint8Array[] = [];
    if (this.headers) {
      parts.push(this.headers);
      this.headers = undefined;
    }
    if (packets.length > 0) {
      const granule = flags === PAGE_EOS ? this.toGranule(this.inputSamples) + OPUS_PRE_SKIP : this.toGranule(this.packetSamples);
      parts.push(this.pages.page(packets, granule, flags));
    }
    return parts.length === 0 ? EMPTY_BYTES : concatBytes(parts);
  }

  private toGranule(codecSamples: number): number {
    return (codecSamples * GRANULE_RATE) / this.codecRate;
  }
}

/** Identification header: version 1, mono, pre-skip, the input's rate, no gain, mapping family 0. */
function opusHead(inputRate: number): Uint8Array {
  const head = new Uint8Array(19);
  const view = new DataView(head.buffer);
  head.set(Buffer.from('OpusHead', 'latin1'));
  head[8] = 1;
  head[9] = 1;
  view.setUint16(10, OPUS_PRE_SKIP, true);
  view.setUint32(12, inputRate, true);
  view.setInt16(16, 0, true);
  head[18] = 0;
  return head;
}

/** Comment header: the vendor string and no user comments. */
function opusTags(): Uint8Array {
  const vendor = Buffer.from(VENDOR, 'utf8');
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  const view = new DataView(tags.buffer);
  tags.set(Buffer.from('OpusTags', 'latin1'));
  view.setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  view.setUint32(12 + vendor.length, 0, true);
  return tags;
}
