/**
 * Protocol fuzzing against a real running voxwire: fast-check generates sessions (sequences of frames and
 * closes) whose expected answers are known by construction, and `runFuzz` checks them on the wire while
 * well-behaved clients keep requesting audio next to the fuzzer. Shared by the CI-sized test and the long
 * run behind `npm run fuzz`.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ErrorName } from '../../src/protocol/errors.js';
import { parseWav } from '../audio/wav-reader.js';
import { TestClient, joinAudio, joinTimestamps, type JsonFrame } from '../conformance/client.js';
import { ESPEAK_VOICE } from '../support/engines.js';
import { parseSpeechWav } from '../conformance/server.js';

// Valid text of any script is fuzzed, so the requests go to espeak-ng, which reads every script (flite, the
// default engine, refuses what is not English before any audio; test/synthesis/capabilities.test.ts).
const VOICE = ESPEAK_VOICE.uuid;
const RATES = [8000, 16000, 22050, 32000, 44100, 48000] as const;
const PRECISIONS = ['PCM_16', 'PCM_24', 'PCM_32', 'MULAW'] as const;

/** What the contract says a frame must get back. */
export type Expectation =
  /** `text`: a streamed request's joined text, which its timestamps must give back (JSON mode). */
  | { readonly kind: 'audio'; readonly request: Readonly<Record<string, unknown>>; readonly text?: string }
  /** A request cancelled right after it was sent: audio_end with `cancelled`, or complete audio if it won the race. */
  | { readonly kind: 'cancelled'; readonly request: Readonly<Record<string, unknown>> }
  | { readonly kind: 'error'; readonly name: ErrorName; readonly field?: string; readonly idKnown: boolean }
  /** Random but well-formed input whose exact answer the contract leaves to the content (random SSML, random objects). */
  | { readonly kind: 'one-of'; readonly names: readonly string[] };

export type Action =
  | { readonly kind: 'text'; readonly payload: string; readonly expect: Expectation; readonly label: string }
  | { readonly kind: 'binary'; readonly payload: Uint8Array }
  /** Close the socket at once (often mid-stream) and go on on a fresh one. */
  | { readonly kind: 'reconnect' }
  /** Several frames (extension messages among them, protocol.md section 7) and the answers they get, in order. */
  | { readonly kind: 'frames'; readonly payloads: readonly string[]; readonly expects: readonly Expectation[]; readonly label: string }
  /** `{"type":"cancel"}`: every request sent so far on the socket may end with audio_end cancelled. */
  | { readonly kind: 'cancel-all' };

const shortText = fc.constantFrom('Hi.', 'Yes, ok.', 'One two three.', 'Café at 9:30, 42 €.', 'Hello 👋 world.', 'Привет.', '日本語。', 'A, b; c!');

/** Optional valid fields, so valid requests cover every format the contract allows. */
const validOptions = fc.record(
  {
    output_format: fc.constantFrom('wav', 'mp3'),
    sample_rate: fc.constantFrom(...RATES),
    precision: fc.constantFrom(...PRECISIONS),
    binary_response: fc.boolean(),
    no_audio_header: fc.boolean(),
    continue: fc.jsonValue({ maxDepth: 1 }),
    text_stream: fc.constant(false),
    model: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: [] },
);

/** Random SSML from the supported tags with random attribute values, nested a little. */
const ssmlText = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    shortText.map(escapeXml),
    fc.string({ maxLength: 12 }).map(escapeXml),
    fc.tuple(fc.constantFrom('break'), fc.constantFrom('time="200ms"', 'time="1s"', 'strength="weak"', 'time="-5ms"', 'time="abc"', 'strength="x"', '')).map(([tag, attr]) => `<${tag} ${attr}/>`),
    fc.tuple(
      fc.constantFrom('prosody', 'emphasis', 'p', 's', 'sub', 'say-as', 'lang', 'voice', 'phoneme', 'mark', 'audio', 'unknown'),
      fc.constantFrom('', 'rate="fast"', 'rate="150%"', 'pitch="+2st"', 'volume="loud"', 'alias="x"', 'interpret-as="characters"', 'interpret-as="cardinal"', 'xml:lang="fr-FR"', 'ph="həˈloʊ"', 'name="m1"', 'level="strong"', 'rate="nonsense"'),
      fc.array(tie('node'), { maxLength: 3 }),
    ).map(([tag, attr, children]) => `<${tag} ${attr}>${children.join('')}</${tag}>`),
  ),
})).node.map((inner) => `<speak>${inner}</speak>`);

/** A request with one field broken in a way whose error the contract names. */
const brokenRequest: fc.Arbitrary<{ body: Record<string, unknown>; name: ErrorName; field?: string }> = fc.oneof(
  fc.constantFrom<unknown>(1.5, '', 'x'.repeat(129), true, [], {}, -0.1, 2 ** 60).map((value) => ({ body: { request_id: value }, name: 'InvalidRequest' as const, field: 'request_id' })),
  fc.constantFrom<unknown>(7, true, [], { a: 1 }, '').map((value) => ({ body: { voice_uuid: value }, name: 'InvalidRequest' as const, field: 'voice_uuid' })),
  fc.uuid().map((value) => ({ body: { voice_uuid: value }, name: 'VoiceNotFound' as const })),
  fc.constantFrom<unknown>(undefined, null, '').map((value) => ({ body: { data: value }, name: 'BadJSON' as const })),
  fc.constantFrom<unknown>(5, false, ['a'], { text: 'a' }).map((value) => ({ body: { data: value }, name: 'InvalidRequest' as const, field: 'data' })),
  fc.integer({ min: 3001, max: 5000 }).map((length) => ({ body: { data: 'a'.repeat(length) }, name: 'TextTooLong' as const })),
  fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(true)).filter((value) => value !== 'wav' && value !== 'mp3').map((value) => ({ body: { output_format: value }, name: 'InvalidRequest' as const, field: 'output_format' })),
  fc.oneof(fc.integer({ min: -1, max: 100_000 }), fc.double({ noNaN: true }), fc.constant('48000')).filter((value) => !(RATES as readonly unknown[]).includes(value)).map((value) => ({ body: { sample_rate: value }, name: 'InvalidRequest' as const, field: 'sample_rate' })),
  fc.oneof(fc.string({ maxLength: 6 }), fc.integer()).filter((value) => !(PRECISIONS as readonly unknown[]).includes(value)).map((value) => ({ body: { precision: value, output_format: 'wav' }, name: 'InvalidRequest' as const, field: 'precision' })),
  fc.tuple(fc.constantFrom('binary_response', 'no_audio_header'), fc.constantFrom<unknown>(1, 'true', [], {})).map(([field, value]) => ({ body: { [field]: value }, name: 'InvalidRequest' as const, field })),
);

/**
 * Cost bombs with random sizes (issue 11), each past one budget by construction, so the expected error is
 * known: pauses over 30 s, rates under half speed after nesting, spoken text over twice the written limit
 * (6,000 on WebSocket), SSML over 64 KiB, written text over 3,000, control characters in `data`.
 */
const CONTROL = fc.integer({ min: 0, max: 0x9f }).filter((code) => code < 0x20 ? ![9, 10, 13].includes(code) : code >= 0x7f);
const BREAKS = [['time="10s"', 10], ['time="5s"', 5], ['time="2500ms"', 2.5], ['strength="x-strong"', 1.2], ['strength="strong"', 0.75]] as const;
const SLOW_RATES = [['x-slow', 0.5], ['slow', 0.75], ['70%', 0.7], ['-20%', 0.8], ['0.9', 0.9]] as const;
const randomDigits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((digits) => digits.join(''));
const marks = fc.nat({ max: 300 }).map((count) => '<mark name="m"/>'.repeat(count));
const bombRequest: fc.Arbitrary<{ data: string; name: ErrorName; field?: string }> = fc.oneof(
  fc.tuple(fc.constantFrom(...BREAKS), fc.nat({ max: 30 }), fc.constantFrom(' ', '', ' word ')).map(([[attr, seconds], extra, between]) => ({
    data: `<speak>${`<break ${attr}/>${between}`.repeat(Math.floor(30 / seconds) + 1 + extra)}</speak>`, name: 'InvalidSSML' as const,
  })),
  fc.array(fc.constantFrom(...SLOW_RATES), { minLength: 2, maxLength: 12 }).filter((rates) => rates.reduce((product, [, rate]) => product * rate, 1) < 0.5 - 1e-9).map((rates) => ({
    data: `<speak>${rates.map(([rate]) => `<prosody rate="${rate}">`).join('')}slow${'</prosody>'.repeat(rates.length)}</speak>`, name: 'InvalidSSML' as const,
  })),
  fc.tuple(fc.integer({ min: 6001, max: 20_000 }), marks, fc.boolean()).map(([length, before, phoneme]) => ({
    data: `<speak>${before}${phoneme ? `<phoneme alphabet="ipa" ph="${'ə'.repeat(length)}">a</phoneme>` : `<sub alias="${'a'.repeat(length)}">a</sub>`}</speak>`, name: 'TextTooLong' as const,
  })),
  fc.tuple(fc.constantFrom('cardinal', 'digits', 'telephone', 'characters'), randomDigits(2001, 3000)).map(([as, digits]) => ({
    data: `<speak><say-as interpret-as="${as}">${digits}</say-as></speak>`, name: 'TextTooLong' as const,
  })),
  fc.integer({ min: 150, max: 272 }).map((count) => ({ data: `<speak>${'<say-as interpret-as="date" format="ymd">2024-12-31</say-as> '.repeat(count)}</speak>`, name: 'TextTooLong' as const })),
  fc.integer({ min: 64 * 1024 + 1, max: 200_000 }).map((bytes) => ({ data: `<speak>${'<mark name="m"/>'.repeat(Math.ceil(bytes / 16))}</speak>`, name: 'TextTooLong' as const })),
  fc.tuple(fc.constantFrom('&amp;', '&#233;', '&#x1F600;', 'é'), fc.integer({ min: 3001, max: 5000 })).map(([unit, count]) => ({ data: `<speak>${unit.repeat(count)}</speak>`, name: 'TextTooLong' as const })),
  fc.tuple(shortText, CONTROL, fc.boolean()).map(([text, code, ssml]) => {
    const data = `${text.slice(0, 2)}${String.fromCharCode(code)}${text.slice(2)}`;
    return { data: ssml ? `<speak>${escapeXml(data)}</speak>` : data, name: 'InvalidRequest' as const, field: 'data' };
  }),
);

/** Valid SSML behind what the contract lets precede <speak>: a byte-order mark, whitespace, a declaration, comments, PIs. */
const prologSsml = fc.tuple(
  fc.array(fc.constantFrom('\uFEFF', ' ', '\n', '<?xml version="1.0" encoding="UTF-8"?>', '<!-- c -->', '<?style x?>'), { maxLength: 4 }),
  shortText,
).map(([parts, text]) => {
  // A byte-order mark only at the very start, and the XML declaration only before anything but whitespace.
  const bom = parts.includes('\uFEFF') ? '\uFEFF' : '';
  const rest = parts.filter((part) => part !== '\uFEFF');
  const declaration = rest.includes('<?xml version="1.0" encoding="UTF-8"?>') ? '<?xml version="1.0" encoding="UTF-8"?>' : '';
  return `${bom}${declaration}${rest.filter((part) => !part.startsWith('<?xml')).join('')}<speak>${escapeXml(text)}</speak>`;
});

let nextId = 1;
/** Explicit ids unique over the whole run, so a frame can only match its own request. */
function freshId(): number {
  nextId += 1;
  return nextId;
}

/** The extension messages (protocol.md section 7), each with the answers the contract gives it. */
const extensionAction: fc.Arbitrary<Action> = fc.oneof(
  // A streamed request: text in pieces, flushes among them, then text_end; one answer, its text given back.
  fc.tuple(fc.array(fc.oneof(shortText, fc.constantFrom(' ', ', ', '. ', 'and so on')), { minLength: 0, maxLength: 6 }), fc.array(fc.boolean(), { maxLength: 6 }), validOptions).map(([pieces, flushes, options]): Action => {
    const request = { voice_uuid: VOICE, ...options, text_stream: true, request_id: freshId() };
    const id = request.request_id;
    const payloads = [JSON.stringify(request)];
    pieces.forEach((piece, index) => {
      payloads.push(JSON.stringify({ type: 'text', request_id: id, data: piece }));
      if (flushes[index] === true) payloads.push(JSON.stringify({ type: 'flush', request_id: id }));
    });
    payloads.push(JSON.stringify({ type: 'text_end', request_id: id }));
    return { kind: 'frames', payloads, expects: [{ kind: 'audio', request, text: pieces.join('') }], label: 'streamed text' };
  }),
  // A request cancelled at once, and a cancel for an id that is not open (which gets no answer at all).
  fc.tuple(shortText, validOptions).map(([data, options]): Action => {
    const request = { voice_uuid: VOICE, data, ...options, request_id: freshId() };
    const payloads = [JSON.stringify(request), JSON.stringify({ type: 'cancel', request_id: request.request_id }), JSON.stringify({ type: 'cancel', request_id: freshId() })];
    return { kind: 'frames', payloads, expects: [{ kind: 'cancelled', request }], label: 'cancel' };
  }),
  fc.constant<Action>({ kind: 'cancel-all' }),
  // text, flush or text_end for an id never opened; an unknown type.
  fc.tuple(fc.constantFrom('text', 'flush', 'text_end'), shortText).map(([type, data]): Action => ({
    kind: 'frames',
    payloads: [JSON.stringify({ type, request_id: freshId(), data })],
    expects: [{ kind: 'error', name: 'InvalidRequest', field: 'request_id', idKnown: true }],
    label: `orphan ${type}`,
  })),
  fc.tuple(fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(true)).filter((type) => !['cancel', 'text', 'flush', 'text_end'].includes(type as string)), fc.boolean()).map(([type, withId]): Action => ({
    kind: 'frames',
    payloads: [JSON.stringify({ type, voice_uuid: VOICE, data: 'Typed.', ...(withId ? { request_id: freshId() } : {}) })],
    expects: [{ kind: 'error', name: 'InvalidRequest', field: 'type', idKnown: withId }],
    label: 'unknown type',
  })),
);

export const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: extensionAction, weight: 3 },
  { arbitrary: fc.tuple(shortText, validOptions).map(([data, options]) => validAction({ voice_uuid: VOICE, data, ...options }, 'valid text')), weight: 4 },
  { arbitrary: fc.tuple(ssmlText, validOptions).map(([data, options]): Action => {
    const request = { voice_uuid: VOICE, data, ...options, request_id: freshId() };
    return { kind: 'text', payload: JSON.stringify(request), expect: { kind: 'one-of', names: ['audio_end', 'InvalidSSML'] }, label: 'random ssml' };
  }), weight: 2 },
  { arbitrary: brokenRequest.map(({ body, name, field }): Action => {
    const request: Record<string, unknown> = { voice_uuid: VOICE, data: 'Broken.', request_id: freshId(), ...body };
    for (const key of Object.keys(request)) if (request[key] === undefined) delete request[key];
    // An invalid request_id leaves the request without a known id; every other broken field keeps it.
    const idKnown = field !== 'request_id';
    const expect: Expectation = field === undefined ? { kind: 'error', name, idKnown } : { kind: 'error', name, field, idKnown };
    return { kind: 'text', payload: JSON.stringify(request), expect, label: `broken ${field ?? name}` };
  }), weight: 4 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value): Action => {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    // Objects are random too: they get exactly one terminal frame, whichever the content calls for.
    const expect: Expectation = isObject ? { kind: 'one-of', names: ['audio_end', 'BadJSON', 'InvalidRequest', 'VoiceNotFound', 'TextTooLong', 'InvalidSSML'] } : { kind: 'error', name: 'BadJSON', idKnown: false };
    return { kind: 'text', payload: JSON.stringify(value) ?? 'null', expect, label: 'random json' };
  }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).filter((text) => !isJsonText(text)).map((payload): Action => ({ kind: 'text', payload, expect: { kind: 'error', name: 'BadJSON', idKnown: false }, label: 'random text' })), weight: 2 },
  { arbitrary: bombRequest.map(({ data, name, field }): Action => {
    const request = { voice_uuid: VOICE, data, request_id: freshId() };
    const expect: Expectation = field === undefined ? { kind: 'error', name, idKnown: true } : { kind: 'error', name, field, idKnown: true };
    return { kind: 'text', payload: JSON.stringify(request), expect, label: `bomb ${name}` };
  }), weight: 3 },
  { arbitrary: fc.tuple(prologSsml, validOptions).map(([data, options]) => validAction({ voice_uuid: VOICE, data, ...options }, 'ssml after a prolog')), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 2048 }).map((payload): Action => ({ kind: 'binary', payload })), weight: 1 },
  { arbitrary: fc.constant<Action>({ kind: 'reconnect' }), weight: 1 },
);

export const sessionArbitrary = fc.array(actionArbitrary, { minLength: 1, maxLength: 8 });

function validAction(request: Record<string, unknown>, label: string): Action {
  const withId = { ...request, request_id: freshId() };
  return { kind: 'text', payload: JSON.stringify(withId), expect: { kind: 'audio', request: withId }, label };
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Sent {
  readonly expect: Expectation;
  readonly label: string;
  readonly payload: string;
  /** A `{"type":"cancel"}` followed it: it may end with audio_end cancelled. */
  cancellable?: boolean;
}

/** Runs one generated session on fresh sockets and checks every answer against its expectation. */
export async function runSession(streamUrl: string, actions: readonly Action[]): Promise<void> {
  let client = await TestClient.connect(streamUrl);
  let sent: Sent[] = [];
  for (const action of actions) {
    if (action.kind === 'reconnect') {
      // What arrived before the close must already be right; the rest is cancelled by the close.
      checkAnswers(client, sent, false);
      client.close();
      client = await TestClient.connect(streamUrl);
      sent = [];
    } else if (action.kind === 'frames') {
      for (const payload of action.payloads) client.send(payload);
      for (const expect of action.expects) sent.push({ expect, label: action.label, payload: action.payloads.join(' ') });
    } else if (action.kind === 'cancel-all') {
      client.send({ type: 'cancel' });
      for (const each of sent) each.cancellable = true;
    } else if (action.kind === 'binary') {
      client.socket.send(action.payload, { binary: true });
      sent.push({ expect: { kind: 'error', name: 'BadJSON', idKnown: false }, label: 'binary frame', payload: '<binary>' });
    } else {
      client.send(action.payload);
      sent.push({ expect: action.expect, label: action.label, payload: action.payload });
    }
  }
  await client.waitFor(() => client.terminals.length >= sent.length || client.closeCode !== undefined, 30_000);
  assert.equal(client.closeCode, undefined, 'the socket stays open through every error of the session');
  checkAnswers(client, sent, true);
  client.close();
}

const TERMINAL = new Set(['audio_end', 'error']);

/** Splits what a socket received into one run per request (its audio, then its terminal frame) and checks each. */
function checkAnswers(client: TestClient, sent: readonly Sent[], complete: boolean): void {
  const runs: { frames: JsonFrame[]; binary: Buffer[] }[] = [];
  let current = { frames: [] as JsonFrame[], binary: [] as Buffer[] };
  for (const item of client.received) {
    if (item.kind === 'binary') {
      current.binary.push(item.data);
      continue;
    }
    current.frames.push(item.frame);
    if (TERMINAL.has(item.frame.type)) {
      runs.push(current);
      current = { frames: [], binary: [] };
    }
  }
  assert.ok(runs.length <= sent.length, `more terminal frames (${runs.length}) than requests (${sent.length})`);
  if (complete) assert.equal(runs.length, sent.length, 'every frame sent gets exactly one terminal frame');
  runs.forEach((run, index) => checkRun(run, sent[index]!));
}

function checkRun(run: { frames: JsonFrame[]; binary: Buffer[] }, sent: Sent): void {
  const terminal = run.frames.at(-1)!;
  const outcome = terminal.type === 'audio_end' ? 'audio_end' : String(terminal['error_name']);
  const context = `${sent.label}: ${sent.payload.slice(0, 160)} → ${JSON.stringify(terminal).slice(0, 300)}`;
  for (const frame of run.frames) assert.ok(typeof frame.type === 'string', `every frame carries type (${context})`);
  if (terminal.type === 'error') checkErrorFrame(terminal, context);
  const { expect } = sent;
  if (terminal.type === 'audio_end' && terminal['cancelled'] === true) {
    assert.ok(sent.cancellable === true || expect.kind === 'cancelled', `only a cancelled request ends cancelled (${context})`);
    for (const frame of run.frames) assert.equal(frame.request_id, terminal.request_id, `frames never interleave (${context})`);
    return;
  }
  if (expect.kind === 'one-of') {
    assert.ok(expect.names.includes(outcome), context);
    return;
  }
  if (expect.kind === 'error') {
    assert.equal(outcome, expect.name, context);
    assert.equal(run.frames.length, 1, `an error is the only frame of its request (${context})`);
    assert.equal(run.binary.length, 0, context);
    if (expect.idKnown) assert.equal(typeof terminal.request_id, 'number', `request_id present when known (${context})`);
    if (expect.field !== undefined) assert.equal((terminal['error_params'] as Record<string, unknown> | undefined)?.['field'], expect.field, context);
    return;
  }
  assert.equal(outcome, 'audio_end', context);
  const request = expect.request;
  if (expect.kind === 'audio' && expect.text !== undefined) {
    if (request['binary_response'] !== true) assert.equal(joinTimestamps(run.frames).graph_chars.join(''), expect.text, `a streamed request's timestamps give back its text (${context})`);
    // A stream of nothing, or of spaces and punctuation only, holds no speech: only its framing is checked.
    if (!/[\p{L}\p{N}]/u.test(expect.text)) return;
  }
  assert.equal(terminal.request_id, request['request_id'], context);
  for (const frame of run.frames) assert.equal(frame.request_id, request['request_id'], `frames never interleave (${context})`);
  const audio = request['binary_response'] === true ? Buffer.concat(run.binary) : joinAudio(run.frames);
  if (request['binary_response'] !== true) assert.equal(run.binary.length, 0, context);
  checkAudio(audio, request, context);
}

/** Errors are catalogue frames that leak nothing of the server's insides. */
export function checkErrorFrame(frame: JsonFrame, context: string): void {
  assert.equal(frame['success'], false, context);
  assert.equal(typeof frame['status_code'], 'number', context);
  const message = String(frame['message']);
  assert.doesNotMatch(message, /\n\s+at |\.ts:\d|\.js:\d|\/work\/|node_modules|file:\/\//, `no stack trace or path in error messages (${context})`);
}

/** The audio of a valid request is a stream of the requested format that holds speech. */
function checkAudio(audio: Buffer, request: Readonly<Record<string, unknown>>, context: string): void {
  assert.ok(audio.length > 0, `a valid request gets audio (${context})`);
  const rate = (request['sample_rate'] as number | undefined) ?? 48000;
  if (request['output_format'] === 'mp3') {
    assert.equal(audio[0], 0xff, `mp3 starts on a frame sync (${context})`);
    assert.equal(audio[1]! & 0xe0, 0xe0, context);
    return;
  }
  const precision = (request['precision'] as string | undefined) ?? 'PCM_32';
  if (request['no_audio_header'] === true) {
    const width = precision === 'PCM_16' ? 2 : precision === 'PCM_24' ? 3 : precision === 'MULAW' ? 1 : 4;
    assert.equal(audio.length % width, 0, `whole samples only (${context})`);
    return;
  }
  const { wav } = parseSpeechWav(audio);
  assert.equal(wav.sampleRate, rate, context);
  assert.equal(parseWav(audio).sampleRate, rate, context);
}

/** A client that keeps asking for the same audio while fuzzing goes on next to it, and checks every answer. */
export class WellBehavedClient {
  completed = 0;
  private stopped = false;
  private failure: unknown;
  private readonly done: Promise<void>;

  constructor(streamUrl: string, private readonly rate: 16000 | 22050) {
    // Kept until stop(), so a failure is reported by the test rather than as an unhandled rejection.
    this.done = this.loop(streamUrl).catch((error: unknown) => {
      this.failure = error;
    });
  }

  private async loop(streamUrl: string): Promise<void> {
    const client = await TestClient.connect(streamUrl);
    try {
      for (let id = 0; !this.stopped && id < 100_000; id += 1) {
        client.send({ voice_uuid: VOICE, data: 'The quick brown fox jumps over the lazy dog.', request_id: id, sample_rate: this.rate, precision: 'PCM_16' });
        await client.waitFor(() => client.terminals.length > id, 30_000);
        const frames = client.framesOf(id);
        assert.equal(frames.at(-1)?.type, 'audio_end', `well-behaved request ${id}: ${JSON.stringify(frames.at(-1))}`);
        const { wav, seconds } = parseSpeechWav(joinAudio(frames));
        assert.equal(wav.sampleRate, this.rate);
        assert.ok(seconds > 1.5 && seconds < 6, `complete audio (${seconds} s)`);
        this.completed += 1;
      }
    } finally {
      client.close();
    }
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.done;
    if (this.failure !== undefined) throw this.failure;
    return this.completed;
  }
}

/** Checks that the server still answers a plain request on a new socket. */
export async function assertServing(streamUrl: string): Promise<void> {
  const probe = await TestClient.connect(streamUrl);
  probe.send({ voice_uuid: VOICE, data: 'Still here.', request_id: 1 });
  const [terminal] = await probe.waitForTerminals(1);
  assert.equal(terminal?.type, 'audio_end');
  probe.close();
}

/** The whole property: fuzzed sessions next to two well-behaved clients, then a liveness probe. */
export async function runFuzz(streamUrl: string, numRuns: number, seed?: number): Promise<{ sessions: number; wellBehaved: number }> {
  const steady = [new WellBehavedClient(streamUrl, 16000), new WellBehavedClient(streamUrl, 22050)];
  let sessions = 0;
  try {
    await fc.assert(
      fc.asyncProperty(sessionArbitrary, async (actions) => {
        sessions += 1;
        await runSession(streamUrl, actions);
      }),
      { numRuns, ...(seed === undefined ? {} : { seed }), endOnFailure: true },
    );
  } finally {
    await Promise.allSettled(steady.map((client) => client.stop()));
  }
  const counts = await Promise.all(steady.map((client) => client.stop()));
  await assertServing(streamUrl);
  return { sessions, wellBehaved: counts.reduce((a, b) => a + b, 0) };
}
