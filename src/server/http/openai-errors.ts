/**
 * OpenAI's error shape, `{"error":{"message","type","param","code"}}`, for every answer under `/v1/`: that path
 * is OpenAI's API, and its clients (the SDKs among them) read only that shape. Statuses stay the catalogue's;
 * OpenAI's SDKs pick their exception class by status alone.
 */
import type { HttpFailure } from './responses.js';

export interface OpenAiErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

/** Whether a request path belongs to the OpenAI-compatible API. */
export function isOpenAiPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?'));
}

/** OpenAI's codes for the failures that carry none of their own. */
const CODES: Readonly<Record<string, string>> = {
  BadJSON: 'invalid_json',
  TextTooLong: 'string_above_max_length',
  Unauthorized: 'invalid_api_key',
  ConcurrencyLimitExceeded: 'rate_limit_exceeded',
  MessageTooLarge: 'request_too_large',
  NotFound: 'unknown_url',
  MethodNotAllowed: 'method_not_allowed',
  UnsupportedMediaType: 'unsupported_media_type',
  ServiceUnavailable: 'service_unavailable',
};

/** OpenAI's error types: its API answers `invalid_request_error` for every refusal of a request (401 included). */
function typeOf(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function openAiErrorBody(failure: HttpFailure): OpenAiErrorBody {
  const field = failure.params?.['field'];
  const code = failure.params?.['code'];
  return {
    error: {
      message: failure.message,
      type: typeOf(failure.status),
      param: typeof field === 'string' ? field : null,
      code: typeof code === 'string' ? code : (CODES[failure.errorName] ?? null),
    },
  };
}
