/**
 * The wire shapes of protocol.md as TypeScript types: what clients send and what the server answers. The
 * server builds its frames and bodies against these types (frames.ts, the HTTP routes), and the client library
 * (src/client) imports them, so the two cannot drift apart. Types only: nothing here exists at run time.
 */
import type { OutputFormat, Precision, SampleRate } from '../audio/formats.js';
import type { ErrorName, ErrorParams } from './errors.js';
import type { RequestId } from './stream-request.js';

export type { OutputFormat, Precision, SampleRate, ErrorName, ErrorParams, RequestId };

/**
 * `audio_timestamps`: graphemes and IPA phonemes with `[start, end]` seconds from the request's start. Written
 * out rather than imported from synthesis (whose module pulls in the audio layer, which browsers cannot load);
 * frames.ts puts synthesis's Alignment into it with `satisfies`, so the two cannot drift.
 */
export interface AudioTimestamps {
  graph_chars: string[];
  graph_times: [number, number][];
  phon_chars: string[];
  phon_times: [number, number][];
}

/** The body shared by WebSocket requests, `POST /synthesize` and `POST /stream` (sections 1–3). */
export interface SpeechRequestBody {
  voice_uuid: string;
  /** Text or `<speak>` SSML. */
  data: string;
  output_format?: OutputFormat;
  sample_rate?: SampleRate;
  /** wav only; ignored for mp3. */
  precision?: Precision;
}

/** One WebSocket request frame (section 1), with the text-streaming opener of section 7. */
export interface StreamRequestFrame extends SpeechRequestBody {
  request_id?: RequestId;
  binary_response?: boolean;
  no_audio_header?: boolean;
  /** Section 7: opens a streamed request; its text follows in `text` messages (`data` may be empty). */
  text_stream?: boolean;
}

/** `POST /stream`'s body (section 3). */
export interface HttpStreamBody extends SpeechRequestBody {
  wav_encoded_timestamps?: boolean;
}

/** The extensions' messages (section 7): each carries a `type`, which Resemble's requests never do. */
export type ExtensionMessage =
  | { type: 'cancel'; request_id?: RequestId }
  | { type: 'text'; request_id: RequestId; data: string }
  | { type: 'flush'; request_id: RequestId }
  | { type: 'text_end'; request_id: RequestId };

export interface AudioMessage {
  type: 'audio';
  audio_content: string;
  audio_timestamps: AudioTimestamps;
  sample_rate: number;
  request_id: RequestId;
}

export interface AudioEndMessage {
  type: 'audio_end';
  request_id: RequestId;
  /** Section 7: present (true) when the request ended because it was cancelled. */
  cancelled?: true;
}

export interface ErrorMessage {
  type: 'error';
  success: false;
  error_name: ErrorName;
  message: string;
  status_code: number;
  error_params: ErrorParams;
  request_id?: RequestId;
}

/** Every JSON text frame the server sends on `/stream`. */
export type ServerMessage = AudioMessage | AudioEndMessage | ErrorMessage;

/** The error body of every HTTP endpoint; `error_name` is the catalogue's or one of the transport's own. */
export interface HttpErrorBody {
  success: false;
  error_name: ErrorName | TransportErrorName;
  message: string;
  issues: string[];
  error_params?: ErrorParams;
}

/** The HTTP transport's refusals that the catalogue has no name for. */
export type TransportErrorName = 'Forbidden' | 'NotFound' | 'MethodNotAllowed' | 'UnsupportedMediaType' | 'ServiceUnavailable' | 'Unprocessable';

/** `POST /synthesize`'s answer (section 2). */
export interface SynthesizeResponse {
  success: true;
  /** Base64 of a complete file, header included. */
  audio_content: string;
  audio_timestamps: AudioTimestamps;
  duration: number;
  synth_duration: number;
  output_format: OutputFormat;
  sample_rate: SampleRate;
  seed: number;
  title: string | null;
  issues: string[];
}

/** A voice of the library (section 4). */
export interface VoiceResource {
  uuid: string;
  name: string;
  status: 'ready';
  voice_status: 'ready';
  voice_type: string;
  default_language: string;
  supported_languages: string[];
  source: string;
  engine: string;
  sample_rate: number;
  component_status: { text_to_speech: { status: 'ready' } };
  api_support: { sync_tts: boolean; async_tts: boolean; streaming: boolean };
  created_at: string;
  updated_at: string;
  /** Model voices (Piper: x_low … high) and the speaker of a multi-speaker model. */
  quality?: string;
  speaker?: string;
  /** Voices of the library: designed (section 6) or derived from another voice. */
  description?: string | null;
  filters?: Readonly<Record<string, unknown>>;
}

export interface VoiceListResponse {
  success: true;
  page: number;
  page_size: number;
  num_pages: number;
  page_count: number;
  total_results: number;
  items: VoiceResource[];
}

export interface VoiceResponse {
  success: true;
  item: VoiceResource;
}

/** `POST /api/v2/voice-design` (section 6). */
export interface VoiceDesignRequest {
  user_prompt: string;
}

export interface VoiceCandidate {
  audio_url: string;
  voice_sample_index: number;
  /** The design's uuid, shared by its three candidates. */
  uuid: string;
}

export interface VoiceDesignResponse {
  success: true;
  voice_candidates: VoiceCandidate[];
  matched_attributes: unknown[];
  ignored_phrases: string[];
}

/** `POST /api/v2/voice-design/{uuid}/{index}/create_rapid_voice` answers 202 with this. */
export interface CreateDesignedVoiceResponse {
  success: true;
  voice_uuid: string;
}

export interface VoiceDesignSummary {
  uuid: string;
  prompt_text: string;
  preview_samples: { audio_url: string; sample_index: number }[];
  created_at: string;
}

export interface VoiceDesignListResponse {
  success: true;
  voice_designs: VoiceDesignSummary[];
}
