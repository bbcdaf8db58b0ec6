/**
 * The HTTP side of the client (protocol.md sections 2, 3, 4 and 6) on the platform's `fetch` (Node 20 and
 * browsers). Every non-2xx answer becomes a VoxwireApiError with the body's `error_name` and details.
 */
import type {
  CreateDesignedVoiceResponse,
  ErrorParams,
  HttpErrorBody,
  HttpStreamBody,
  SpeechRequestBody,
  SynthesizeResponse,
  VoiceDesignListResponse,
  VoiceDesignRequest,
  VoiceDesignResponse,
  VoiceListResponse,
  VoiceResource,
  VoiceResponse,
} from '../protocol/wire.js';
import { VoxwireApiError } from './errors.js';
import { decodeBase64, httpBase } from './transport.js';

export interface HttpClientOptions {
  /** The server: `http://127.0.0.1:8080` (a ws:// URL is accepted too). */
  readonly url: string;
  readonly apiKey?: string;
  /** `header` (`Authorization: Bearer`, the default) or `query` (`?api_key=`, as the playground sends it). */
  readonly apiKeyIn?: 'header' | 'query';
  /** Another fetch (a test's, a proxy's); the global one by default. */
  readonly fetch?: typeof fetch;
}

/** `/synthesize`'s answer with its audio decoded: a complete file. */
export interface SynthesizeResult extends SynthesizeResponse {
  readonly audio: Uint8Array;
}

export class VoxwireHttp {
  private readonly base: URL;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: HttpClientOptions) {
    this.base = httpBase(options.url);
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async synthesize(body: SpeechRequestBody & { title?: string }): Promise<SynthesizeResult> {
    const answer = await this.json<SynthesizeResponse>('POST', '/synthesize', body);
    return { ...answer, audio: decodeBase64(answer.audio_content) };
  }

  /** `POST /stream`: the WAV's bytes as they arrive (header first). */
  async *stream(body: HttpStreamBody, signal?: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
    const response = await this.send('POST', '/stream', body, signal);
    if (response.body === null) return;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // A caller that stops early releases the connection instead of reading the rest.
      await reader.cancel().catch(() => undefined);
    }
  }

  voices(page = 1, pageSize = 10): Promise<VoiceListResponse> {
    return this.json<VoiceListResponse>('GET', `/api/v2/voices?page=${page}&page_size=${pageSize}`);
  }

  /** Every voice of the library, page after page. */
  async allVoices(): Promise<VoiceResource[]> {
    const voices: VoiceResource[] = [];
    for (let page = 1; ; page += 1) {
      const answer = await this.voices(page, 100);
      voices.push(...answer.items);
      if (page >= answer.num_pages) return voices;
    }
  }

  async voice(uuid: string): Promise<VoiceResource> {
    return (await this.json<VoiceResponse>('GET', `/api/v2/voices/${encodeURIComponent(uuid)}`)).item;
  }

  /** Section 6: three candidates for a prompt (a 422 VoxwireApiError names what is understood). */
  designVoice(prompt: string): Promise<VoiceDesignResponse> {
    return this.json<VoiceDesignResponse>('POST', '/api/v2/voice-design', { user_prompt: prompt } satisfies VoiceDesignRequest);
  }

  /** Keeps candidate `index` of design `designUuid` as a voice named `name`; resolves with its uuid. */
  async createDesignedVoice(designUuid: string, index: number, name: string): Promise<string> {
    const path = `/api/v2/voice-design/${encodeURIComponent(designUuid)}/${index}/create_rapid_voice`;
    return (await this.json<CreateDesignedVoiceResponse>('POST', path, { voice_name: name })).voice_uuid;
  }

  voiceDesigns(): Promise<VoiceDesignListResponse> {
    return this.json<VoiceDesignListResponse>('GET', '/api/v2/voice-design');
  }

  /** The bytes at a URL of this server that needs the key (a candidate's `audio_url`). */
  async fetchAudio(url: string): Promise<Uint8Array> {
    const response = await this.send('GET', url);
    return new Uint8Array(await response.arrayBuffer());
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return (await (await this.send(method, path, body)).json()) as T;
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    // A path of the server's (`/synthesize`) goes under the base's own prefix; a full URL stays as it is.
    const url = path.startsWith('/') ? new URL(`${this.base.origin}${this.base.pathname.replace(/\/$/, '')}${path}`) : new URL(path, this.base);
    const headers: Record<string, string> = {};
    const key = this.options.apiKey;
    if (key !== undefined && this.options.apiKeyIn === 'query') url.searchParams.set('api_key', key);
    else if (key !== undefined) headers['Authorization'] = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetcher(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal === undefined ? {} : { signal }) });
    if (!response.ok) throw await apiError(response);
    return response;
  }
}

async function apiError(response: Response): Promise<VoxwireApiError> {
  const text = await response.text();
  let body: Partial<HttpErrorBody> = {};
  try {
    body = JSON.parse(text) as Partial<HttpErrorBody>;
  } catch {
    // Not JSON (a proxy's page): the status says what there is to say.
  }
  const params: ErrorParams = body.error_params ?? {};
  return new VoxwireApiError(body.error_name ?? 'HttpError', body.message ?? (text || `HTTP ${response.status}`), response.status, params);
}
