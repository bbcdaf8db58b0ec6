/**
 * The "hostile neighbour" row (issue 11): a victim's first audio while another client sends one bomb family
 * after another, each at the edge of what the cost budget allows (protocol.md, "What one request may cost"),
 * beside the victim's unloaded first audio, rounds interleaved so that the machine's drift weighs on both.
 */
import WebSocket from 'ws';
import { clientFrame, rawUpgrade } from '../test/reliability/raw-socket.js';
import type { Speaker, SpeakerFactory } from './speakers.js';
import { summarize, type Summary } from './stats.js';

export interface HostileRow {
  readonly family: string;
  readonly unloadedMs: Summary;
  readonly attackedMs: Summary;
  /** Bomb requests the attacker finished (audio_end) and those refused with an error, over all rounds. */
  readonly bombsServed: number;
  readonly bombsRefused: number;
}

type Bomb = { readonly family: string; readonly frame: Record<string, unknown>; readonly neverRead?: boolean };

const HEAVY = { sample_rate: 48000, precision: 'PCM_32' } as const;
const PROSE = 'The committee met on Tuesday to discuss the budget for the coming year, and after a long debate it agreed on most points. ';

/** Each at the edge of the budget: 29 s of breaks (30 allowed), about 6,000 spoken characters (6,000 allowed). */
function bombs(voiceUuid: string): readonly Bomb[] {
  const speak = (body: string, extra: Record<string, unknown> = HEAVY): Record<string, unknown> => ({ voice_uuid: voiceUuid, data: `<speak>${body}</speak>`, ...extra });
  return [
    { family: 'breaks (29 s)', frame: speak(`Wait.${'<break time="10s"/>'.repeat(2)}<break time="9s"/>Done.`) },
    { family: 'long `<sub alias>` (5,990 chars)', frame: speak(`<sub alias="${'words '.repeat(998)}">x</sub>`) },
    { family: 'long `<phoneme ph>` (5,900 chars)', frame: speak(`<phoneme alphabet="ipa" ph="${'təˈmeɪtoʊ '.repeat(590)}">tomato</phoneme>`) },
    { family: 'say-as digits (950 digits)', frame: speak(`<say-as interpret-as="digits">${'7'.repeat(950)}</say-as>`) },
    { family: 'many marks (1,490)', frame: speak(Array.from({ length: 1490 }, (_, index) => `<mark name="m${index}"/>a `).join('')) },
    { family: 'MP3 48 kHz (3,000 chars)', frame: { voice_uuid: voiceUuid, data: PROSE.repeat(25).slice(0, 3000), output_format: 'mp3', sample_rate: 48000 } },
    { family: 'never-reading client (3,000 chars)', frame: { voice_uuid: voiceUuid, data: PROSE.repeat(25).slice(0, 3000), ...HEAVY }, neverRead: true },
  ];
}

interface Attack {
  /** Resolves once the server has answered the first bomb with something (its synthesis is under way). */
  readonly started: Promise<void>;
  stop(): void;
  readonly served: () => number;
  readonly refused: () => number;
}

/** A client that sends the bomb again each time the previous one ends, reading every frame as fast as it can. */
async function reader(streamUrl: string, frame: Record<string, unknown>): Promise<Attack> {
  const socket = new WebSocket(streamUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  let served = 0;
  let refused = 0;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const payload = JSON.stringify(frame);
  socket.on('message', (data: Buffer) => {
    markStarted();
    // Audio frames are the bulk: only terminal frames are parsed.
    if (data.length > 256) return;
    const type = (JSON.parse(data.toString('utf8')) as { type?: string }).type;
    if (type === 'audio') return;
    if (type === 'audio_end') served += 1;
    else refused += 1;
    if (socket.readyState === socket.OPEN) socket.send(payload);
  });
  socket.send(payload);
  return { started, stop: () => socket.terminate(), served: () => served, refused: () => refused };
}

/** A client that sends one long request and never reads a byte of the answer. */
async function neverReader(streamUrl: string, frame: Record<string, unknown>): Promise<Attack> {
  const socket = await rawUpgrade(streamUrl);
  socket.pause();
  socket.on('error', () => undefined);
  socket.write(clientFrame(Buffer.from(JSON.stringify(frame))));
  // Nothing is read, so nothing says the synthesis started: give the server a moment to take the request.
  const started = new Promise<void>((resolve) => setTimeout(resolve, 300));
  return { started, stop: () => socket.destroy(), served: () => 0, refused: () => 0 };
}

/** How long a round waits for the attacker's first answer before measuring anyway. */
const ATTACK_START_TIMEOUT_MS = 10_000;
const VICTIM_TIMEOUT_MS = 60_000;

export async function runHostile(streamUrl: string, voiceUuid: string, victim: SpeakerFactory, texts: readonly string[], rounds: number): Promise<HostileRow[]> {
  const rows: HostileRow[] = [];
  const speaker: Speaker = await victim();
  try {
    for (const bomb of bombs(voiceUuid)) {
      const unloaded: number[] = [];
      const attacked: number[] = [];
      let served = 0;
      let refused = 0;
      for (let round = 0; round < rounds; round += 1) {
        const text = texts[round % texts.length]!;
        const alone = await speaker.speak(text, performance.now() + VICTIM_TIMEOUT_MS);
        if (alone.firstAudioMs !== null) unloaded.push(alone.firstAudioMs);
        const attack = await (bomb.neverRead ? neverReader(streamUrl, bomb.frame) : reader(streamUrl, bomb.frame));
        try {
          await Promise.race([attack.started, new Promise((resolve) => setTimeout(resolve, ATTACK_START_TIMEOUT_MS))]);
          const timing = await speaker.speak(text, performance.now() + VICTIM_TIMEOUT_MS);
          if (timing.firstAudioMs !== null) attacked.push(timing.firstAudioMs);
        } finally {
          attack.stop();
          served += attack.served();
          refused += attack.refused();
        }
      }
      rows.push({ family: bomb.family, unloadedMs: summarize(unloaded), attackedMs: summarize(attacked), bombsServed: served, bombsRefused: refused });
    }
  } finally {
    speaker.close();
  }
  return rows;
}
