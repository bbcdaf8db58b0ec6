/**
 * The two things the workloads are run against, behind one shape: voxwire over a WebSocket, and the raw
 * engine with no server ("the limit"). Both measure with PlaybackTracker, so their numbers compare.
 */
import type { AudioFormat } from '../src/audio/formats.js';
import { NEUTRAL_PROSODY, type Engine, type EngineVoiceSpec } from '../src/engines/engine.js';
import { PlaybackTracker, type RequestTiming } from './playback.js';
import { BenchClient } from './ws-client.js';

export interface Speaker {
  /** One request; resolves (never rejects) when it ends, fails or `deadline` (performance.now()) passes. */
  speak(text: string, deadline: number): Promise<RequestTiming>;
  close(): void;
}

export type SpeakerFactory = () => Promise<Speaker>;

export interface ServerTarget {
  readonly streamUrl: string;
  readonly voiceUuid: string;
  readonly format: AudioFormat;
  readonly binary: boolean;
}

export function serverSpeakers(target: ServerTarget): SpeakerFactory {
  return async () => {
    const client = await BenchClient.connect(target.streamUrl);
    return {
      speak: (text, deadline) => client.speak(text, { voiceUuid: target.voiceUuid, format: target.format, binary: target.binary, deadline }),
      close: () => client.close(),
    };
  };
}

export function engineSpeakers(engine: Engine, voice: EngineVoiceSpec): SpeakerFactory {
  const rate = engine.capabilities.sampleRate;
  const speaker: Speaker = {
    async speak(text, deadline) {
      const tracker = new PlaybackTracker(performance.now());
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - performance.now()));
      try {
        for await (const chunk of engine.synthesize({ voice, text, prosody: NEUTRAL_PROSODY }, abort.signal)) {
          tracker.audio(chunk.samples.length / rate);
        }
        return tracker.finish(!abort.signal.aborted);
      } catch (error) {
        return tracker.finish(false, error instanceof Error ? error.message : String(error));
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => undefined,
  };
  return () => Promise.resolve(speaker);
}
