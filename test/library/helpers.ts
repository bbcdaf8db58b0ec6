/** Calls of the library's HTTP API for tests, with a key, and the samples a design answer points at. */
import assert from 'node:assert/strict';
import { jsonOf, send, type RawResponse } from '../http/http-client.js';
import { parseWav, wavSamples } from '../audio/wav-reader.js';

export const KEY = 'library-test-key';

export interface Api {
  call(path: string, body?: Record<string, unknown>, method?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  raw(path: string, headers?: Record<string, string>): Promise<RawResponse>;
}

export function api(baseUrl: string, key: string | undefined = KEY): Api {
  const auth: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return {
    async call(path, body, method) {
      const response = await send(baseUrl, path, { headers: auth, ...(method === undefined ? {} : { method }), ...(body === undefined ? {} : { body }) });
      return { status: response.status, json: jsonOf(response) };
    },
    raw: (path, headers = auth) => send(baseUrl, path, { headers }),
  };
}

export interface Candidate {
  readonly audio_url: string;
  readonly voice_sample_index: number;
  readonly uuid: string;
}

export interface DesignAnswer {
  readonly voice_candidates: Candidate[];
  readonly matched_attributes: string[];
  readonly ignored_phrases: string[];
  readonly engine: string;
}

export async function design(client: Api, prompt: string): Promise<DesignAnswer> {
  const { status, json } = await client.call('/api/v2/voice-design', { user_prompt: prompt });
  assert.equal(status, 200, JSON.stringify(json));
  const answer = json as unknown as DesignAnswer;
  assert.equal(answer.voice_candidates.length, 3);
  return answer;
}

export interface Sample {
  readonly bytes: Buffer;
  readonly samples: Float64Array;
  readonly sampleRate: number;
}

/** Fetches a candidate's WAV (with the key) and decodes it. */
export async function sample(client: Api, candidate: Candidate): Promise<Sample> {
  const response = await client.raw(new URL(candidate.audio_url).pathname);
  assert.equal(response.status, 200, `sample ${candidate.audio_url}`);
  assert.equal(response.headers['content-type'], 'audio/wav');
  const wav = parseWav(new Uint8Array(response.raw));
  return { bytes: response.raw, samples: wavSamples(wav), sampleRate: wav.sampleRate };
}

export const semitonesBetween = (a: number, b: number): number => Math.abs(12 * Math.log2(a / b));
