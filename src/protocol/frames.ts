/** Builders of the JSON frames of the WebSocket protocol (protocol.md section 1), shaped by wire.ts. Pure. */
import type { Alignment } from '../synthesis/alignment.js';
import type { VoxwireError } from './errors.js';
import type { RequestId } from './stream-request.js';
import type { AudioEndMessage, AudioMessage, ErrorMessage } from './wire.js';

export function audioFrame(audio: Uint8Array, alignment: Alignment, sampleRate: number, requestId: RequestId): string {
  return JSON.stringify({
    type: 'audio',
    audio_content: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64'),
    audio_timestamps: alignment,
    sample_rate: sampleRate,
    request_id: requestId,
  } satisfies AudioMessage);
}

/** `cancelled`: the request was ended by a `cancel` message (protocol.md section 7). */
export function audioEndFrame(requestId: RequestId, cancelled = false): string {
  return JSON.stringify((cancelled ? { type: 'audio_end', request_id: requestId, cancelled: true } : { type: 'audio_end', request_id: requestId }) satisfies AudioEndMessage);
}

export function errorFrame(error: VoxwireError, requestId?: RequestId): string {
  return JSON.stringify({
    type: 'error',
    success: false,
    error_name: error.errorName,
    message: error.message,
    status_code: error.status,
    error_params: error.params,
    ...(requestId === undefined ? {} : { request_id: requestId }),
  } satisfies ErrorMessage);
}
