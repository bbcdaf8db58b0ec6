/** Starts a real voxwire on a free loopback port for one test file, and checks helpers shared by the suite. */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startVoxwire, type Voxwire, type VoxwireOptions } from '../../src/app.js';
import { parseWav, wavSamples, type ParsedWav } from '../audio/wav-reader.js';
import { TestClient, type Timestamps } from './client.js';

export async function startTestServer(options: VoxwireOptions = {}): Promise<Voxwire> {
  return startVoxwire({ port: 0, workers: 2, ...options });
}

/** One server and one connected client shared by every test of a file; both are closed after the file. */
/** No segment running or waiting in the server's engine. */
export function engineIdle(server: Voxwire): boolean {
  const stats = server.engines.stats();
  return stats.busy === 0 && stats.queued === 0;
}

/**
 * The engine produces nothing for half a second: no job, or jobs whose workers wait for their consumers
 * (a waiting worker keeps its job, and its output held for the consumer stays where it was).
 */
export async function engineWaiting(server: Voxwire): Promise<boolean> {
  const before = server.engines.stats();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = server.engines.stats();
  return after.queued === 0 && (after.busy === 0 || (after.held === before.held && after.busy === before.busy));
}

export function sharedServerAndClient(options: VoxwireOptions = {}): { readonly server: Voxwire; readonly client: TestClient } {
  const fixture = {} as { server: Voxwire; client: TestClient };
  before(async () => {
    fixture.server = await startTestServer(options);
    fixture.client = await TestClient.connect(fixture.server.streamUrl);
  });
  after(async () => {
    fixture.client.close();
    await fixture.server.close();
  });
  return fixture;
}

export function rms(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Parses a request's WAV and checks that it holds speech; returns it with its duration in seconds. */
export function parseSpeechWav(bytes: Uint8Array): { wav: ParsedWav; seconds: number } {
  const wav = parseWav(bytes);
  const samples = wavSamples(wav);
  assert.ok(rms(samples) > 0.02, `audio RMS ${rms(samples)} is too close to silence`);
  return { wav, seconds: samples.length / wav.sampleRate };
}

/** The timestamp invariants of protocol.md: text joined back exactly, starts in order, times within the audio. */
export function assertTimestampInvariants(stamps: Timestamps, text: string, durationSeconds: number): void {
  assert.equal(stamps.graph_chars.join(''), text, 'joined graph_chars must give back the text');
  assert.equal(stamps.graph_chars.length, stamps.graph_times.length);
  assert.equal(stamps.phon_chars.length, stamps.phon_times.length);
  assert.ok(stamps.phon_chars.length > 0, 'phonemes are reported');
  for (const [kind, times] of [['graph', stamps.graph_times], ['phon', stamps.phon_times]] as const) {
    let previous = 0;
    for (const [start, end] of times) {
      assert.ok(start >= previous, `${kind} starts never decrease (${start} after ${previous})`);
      assert.ok(end >= start, `${kind} end ${end} >= start ${start}`);
      assert.ok(end <= durationSeconds + 1e-9, `${kind} time ${end} lies within the audio (${durationSeconds} s)`);
      previous = start;
    }
  }
}
