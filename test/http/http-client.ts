/** A plain node:http client for tests: raw bytes and headers, nothing decoded behind the test's back. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as received (still compressed when Content-Encoding says so). */
  readonly raw: Buffer;
  /** Bytes arrived in this many reads: more than one shows a response that was streamed. */
  readonly reads: number;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | Record<string, unknown>;
}

export function send(baseUrl: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, baseUrl), { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers: { 'content-type': 'application/json', ...options.headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(parts), reads: parts.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The body, decompressed as its Content-Encoding says. */
export function bodyOf(response: RawResponse): Buffer {
  switch (response.headers['content-encoding']) {
    case 'br':
      return brotliDecompressSync(response.raw);
    case 'gzip':
      return gunzipSync(response.raw);
    case 'deflate':
      return inflateSync(response.raw);
    default:
      return response.raw;
  }
}

export function jsonOf(response: RawResponse): Record<string, unknown> {
  return JSON.parse(bodyOf(response).toString('utf8')) as Record<string, unknown>;
}

export interface SynthesizeBody {
  success: boolean;
  audio_content: string;
  audio_timestamps: { graph_chars: string[]; graph_times: [number, number][]; phon_chars: string[]; phon_times: [number, number][] };
  duration: number;
  synth_duration: number;
  output_format: string;
  sample_rate: number;
  seed: number;
  title: string | null;
  issues: unknown[];
}
