/** `voxwire say --server URL`: the same command, spoken by a running voxwire through the typed client. */
import { writeFileSync } from 'node:fs';
import { VoxwireApiError, VoxwireClient, VoxwireHttp, wavFileFromChunks, type AudioTimestamps, type OutputFormat, type Precision, type SampleRate, type VoiceResource } from '../client/index.js';

export interface RemoteSay {
  readonly server: string;
  readonly apiKey: string | undefined;
  readonly text: string;
  /** A uuid, a name (or its start) or a language, as for the embedded engines. */
  readonly voice: string | undefined;
  readonly output: string;
  readonly format: OutputFormat;
  readonly sampleRate: number;
  readonly precision: string;
  readonly timestamps: string | undefined;
}

/** Exit code 2 for what the user can fix (a voice, the text, the key), as the local command does. */
export async function sayRemotely(options: RemoteSay): Promise<number> {
  const key = options.apiKey === undefined ? {} : { apiKey: options.apiKey };
  try {
    const voice = pickRemoteVoice(await new VoxwireHttp({ url: options.server, ...key }).allVoices(), options.voice);
    if (voice === undefined) {
      console.error(`voxwire say: no voice of ${options.server} matches "${options.voice}"; GET /api/v2/voices lists them.`);
      return 2;
    }
    const client = await VoxwireClient.connect({ url: options.server, ...key, reconnect: false });
    try {
      // The server validates the values: a wrong rate or precision comes back as its InvalidRequest.
      const speech = client.speak({
        voice_uuid: voice.uuid,
        data: options.text,
        output_format: options.format,
        sample_rate: options.sampleRate as SampleRate,
        precision: options.precision as Precision,
      });
      const chunks: Uint8Array[] = [];
      const stamps: AudioTimestamps = { graph_chars: [], graph_times: [], phon_chars: [], phon_times: [] };
      for await (const chunk of speech) {
        chunks.push(chunk.audio);
        if (chunk.timestamps === undefined) continue;
        stamps.graph_chars.push(...chunk.timestamps.graph_chars);
        stamps.graph_times.push(...chunk.timestamps.graph_times);
        stamps.phon_chars.push(...chunk.timestamps.phon_chars);
        stamps.phon_times.push(...chunk.timestamps.phon_times);
      }
      const result = await speech.done;
      writeFileSync(options.output, options.format === 'wav' ? wavFileFromChunks(chunks) : Buffer.concat(chunks));
      if (options.timestamps) writeFileSync(options.timestamps, `${JSON.stringify(stamps, null, 2)}\n`);
      const length = result.audioSeconds === undefined ? `${result.bytes} bytes` : `${result.audioSeconds.toFixed(2)} s`;
      process.stderr.write(`Wrote ${options.output}: ${length} at ${options.sampleRate} Hz, voice ${voice.name}, first audio after ${Math.round(result.firstAudioMs ?? 0)} ms from ${options.server}\n`);
      return 0;
    } finally {
      client.close();
    }
  } catch (error) {
    if (error instanceof VoxwireApiError) {
      console.error(`voxwire say: ${error.errorName}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function pickRemoteVoice(voices: readonly VoiceResource[], query: string | undefined): VoiceResource | undefined {
  if (query === undefined) return voices[0];
  const lower = query.toLowerCase();
  return (
    voices.find((voice) => voice.uuid === query) ??
    voices.find((voice) => voice.name.toLowerCase().startsWith(lower)) ??
    voices.find((voice) => voice.default_language.toLowerCase() === lower)
  );
}
