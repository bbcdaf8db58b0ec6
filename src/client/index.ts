/**
 * voxwire's typed client (`voxwire/client`), for Node and browsers: the WebSocket protocol with pipelined
 * requests, cancel and text streaming (VoxwireClient), and the HTTP endpoints (VoxwireHttp). The wire types
 * are the server's own (src/protocol/wire.ts).
 */
export { VoxwireClient, TextSpeech, type ClientOptions, type ReconnectOptions, type SpeakRequest, type TextStreamRequest } from './stream-client.js';
export { VoxwireHttp, type HttpClientOptions, type SynthesizeResult } from './http-client.js';
export { Speech, type AudioChunk, type SpeechResult } from './speech.js';
export { VoxwireApiError, ConnectionLostError, type ApiErrorName } from './errors.js';
export { decodeSamples, wavFileFromChunks, WAV_HEADER_BYTES } from './pcm.js';
export type * from '../protocol/wire.js';
