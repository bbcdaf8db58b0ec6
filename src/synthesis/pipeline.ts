/**
 * The synthesis pipeline: a plan in, PCM chunks with their timestamps out, in order, as early as the
 * engine allows. Knows engines only through the Engine interface and voices only through PipelineVoice.
 */
import { EngineFailure, type Engine, type EngineSegment, type EngineVoiceSpec, type Prosody } from '../engines/engine.js';
import type { EngineLookup } from '../engines/registry.js';
import { applyGain } from '../audio/pcm.js';
import { SynthesisError } from './errors.js';
import { appendUnits, emptyAlignment, SegmentAligner, type Alignment } from './alignment.js';
import type { SynthesisPlan } from './plan.js';
import { splitIntoSegments } from './segmenter.js';
import { continuesSentence, MAX_JOIN_TRIM_SECONDS, withoutLeadingSilence } from './clause-join.js';

/** What the pipeline needs of a voice. */
export interface PipelineVoice {
  /** Id of the engine that speaks the voice. */
  readonly engine: string;
  readonly spec: EngineVoiceSpec;
  readonly language: string;
  /** 'unknown' where the voice's source does not say (Piper's models). */
  readonly gender: 'male' | 'female' | 'unknown';
  /**
   * The rate the voice's engine produces it at; read for engines whose voices differ in rate (capabilities'
   * `perVoiceSampleRate`: Piper's models come at 16 or 22.05 kHz), otherwise the engine's rate is used.
   */
  readonly sampleRate?: number;
}

/**
 * Finds a voice of `engine` for an SSML language switch, preferring the gender of the request's voice. One
 * request stays on one engine (one native rate, one timeline of events).
 */
export type VoiceResolver = (language: string, gender: PipelineVoice['gender'], engine: string) => PipelineVoice | undefined;

/** A piece of the request's audio, at the engine's rate, with the timestamps that start inside it. */
export interface PcmChunk {
  readonly samples: Int16Array;
  readonly alignment: Alignment;
}

export interface SynthesisRequest {
  readonly plan: SynthesisPlan;
  readonly voice: PipelineVoice;
  readonly signal: AbortSignal;
  /**
   * False when the client will not receive timestamps (binary frames, a plain HTTP stream): audio then never
   * waits for a timestamp to become final, and chunks carry empty alignments. Default true.
   */
  readonly timestamps?: boolean;
  /** The plan as `prepare` checked it, when the caller did so already (it is not checked twice). */
  readonly prepared?: PreparedSynthesis;
  /**
   * Text streaming (protocol.md section 7): plans that follow `plan` as their text arrives, spoken with the
   * same voice on the same timeline, so the request's timestamps run on and its audio is one stream.
   */
  readonly continuation?: AsyncIterable<SynthesisPlan>;
}

type Step =
  | { readonly kind: 'engine'; readonly segment: EngineSegment; readonly written: string; readonly followsWords: boolean; readonly gain: number }
  | { readonly kind: 'silence'; readonly samples: number; readonly written: string };

/** A plan checked against its voice's engine and broken into engine-sized steps. */
export interface PreparedSynthesis {
  readonly engine: Engine;
  /** The engine's native rate: the rate of every PcmChunk this synthesis yields. */
  readonly sampleRate: number;
  readonly steps: readonly Step[];
}

/**
 * Chunk sizes (protocol.md: "about 100–250 ms" after a first chunk that leaves as early as possible). The
 * second chunk may be short so the client's buffer fills quickly; later ones wait for 200 ms, since each
 * frame costs a socket write, base64 and JSON whatever its size (the benchmark's profile: a third of the
 * main thread's time went to socket writes with 100 ms frames).
 */
const SECOND_CHUNK_SECONDS = 0.1;
const STEADY_CHUNK_SECONDS = 0.2;
const MAX_CHUNK_SECONDS = 0.25;
/**
 * Audio a timestamp may hold back (JSON mode): a word still open this long behind the newest audio is closed
 * off, so a word that never ends (a giant token or `<phoneme ph>`) cannot keep its segment's audio in memory.
 */
const MAX_HELD_SECONDS = 2;

export interface SynthesisPipeline {
  /** Validates a plan (its voice's engine, voices for language switches, capabilities) before any audio is made. */
  prepare(plan: SynthesisPlan, voice: PipelineVoice): PreparedSynthesis;
  run(request: SynthesisRequest): AsyncGenerator<PcmChunk, void, undefined>;
}

export function createPipeline(engines: EngineLookup, resolveVoice: VoiceResolver = () => undefined): SynthesisPipeline {
  /**
   * Every run of speech is cut into segments of at most MAX_SEGMENT_CHARS (segmenter.ts), whatever the engine
   * and whatever the run is (text, an alias, a say-as expansion, IPA), so no step holds a worker for long.
   * When the engine reads exactly the written text, each segment carries its own part of it; otherwise the
   * written form goes with the first segment (its timestamps cover that segment's audio). Adjacent pauses
   * become one silence step, so a thousand tiny breaks cost what one long one does.
   */
  function prepare(plan: SynthesisPlan, voice: PipelineVoice): PreparedSynthesis {
    const engine = engines.engine(voice.engine);
    if (engine === undefined) {
      throw new SynthesisError('engine-unavailable', `The ${voice.engine} engine that speaks this voice is not running on this server.`, { engine: voice.engine });
    }
    const capabilities = engine.capabilities;
    const rate = voiceRate(voice, capabilities);
    const steps: Step[] = [];
    // A seed asks for output that repeats exactly; the engine decides what that costs.
    const repeatable = plan.seed !== undefined ? { repeatable: true } : {};
    // A prompt's variability and voice quality change the voice itself, as far as its engine can (else nothing).
    const delivered = new Map<EngineVoiceSpec, EngineVoiceSpec>();
    const deliveredSpec = (spec: EngineVoiceSpec): EngineVoiceSpec => {
      if (plan.delivery === undefined || engine.deliver === undefined) return spec;
      const found = delivered.get(spec) ?? engine.deliver(spec, plan.delivery);
      delivered.set(spec, found);
      return found;
    };
    for (const item of plan.items) {
      if (item.kind === 'mark') continue;
      if (item.kind === 'pause') {
        const samples = Math.round(item.seconds * rate);
        const last = steps[steps.length - 1];
        if (last?.kind === 'silence') steps[steps.length - 1] = { kind: 'silence', samples: last.samples + samples, written: last.written + item.written };
        else steps.push({ kind: 'silence', samples, written: item.written });
        continue;
      }
      const itemVoice = item.language === undefined ? voice : languageVoice(item.language, voice, capabilities, rate);
      const { prosody, gain } = withinCapabilities(item.prosody, capabilities);
      if (item.ipa !== undefined && !capabilities.phonemeInput) {
        throw new SynthesisError('invalid-markup', `The ${capabilities.name} engine cannot speak <phoneme> input; choose a voice of an engine that can.`, { tag: 'phoneme', engine: capabilities.name });
      }
      const unspeakable = item.ipa === undefined ? engine.unspeakable?.(item.spoken) : undefined;
      if (unspeakable !== undefined) {
        throw new SynthesisError('unreadable-text', `${unspeakable}; choose a voice whose engine reads this language (GET /api/v2/voices).`, {
          engine: capabilities.name,
        });
      }
      const asWritten = item.ipa === undefined && item.written === item.spoken;
      const followsWords = asWritten && capabilities.timestamps.words;
      splitIntoSegments(item.ipa ?? item.spoken).forEach((piece, index) => {
        const text = item.ipa === undefined ? { text: piece } : { text: index === 0 ? item.spoken : '', ipa: piece };
        steps.push({
          kind: 'engine',
          segment: { voice: deliveredSpec(itemVoice.spec), ...text, prosody, ...repeatable },
          written: asWritten ? piece : index === 0 ? item.written : '',
          followsWords,
          gain,
        });
      });
    }
    return { engine, sampleRate: rate, steps };
  }

  function languageVoice(language: string, voice: PipelineVoice, capabilities: Engine['capabilities'], rate: number): PipelineVoice {
    if (voice.language.toLowerCase().startsWith(language.toLowerCase())) return voice;
    const engine = capabilities.name;
    const found = resolveVoice(language, voice.gender, engine);
    if (found === undefined) {
      throw new SynthesisError('invalid-markup', `No ${engine} voice speaks the language "${language}" (a request stays on its voice's engine).`, { language, engine });
    }
    // One request has one timeline at one rate: a voice of another rate cannot take over part of it.
    if (voiceRate(found, capabilities) !== rate) {
      throw new SynthesisError('invalid-markup', `The ${engine} voice for "${language}" comes at ${found.sampleRate} Hz, this voice at ${rate} Hz; a request stays at its voice's rate.`, { language, engine });
    }
    return found;
  }

  async function* run(request: SynthesisRequest): AsyncGenerator<PcmChunk, void, undefined> {
    const prepared = request.prepared ?? prepare(request.plan, request.voice);
    const shaper = new ChunkShaper(prepared.sampleRate);
    if (!(yield* speak(prepared, shaper, request))) return;
    if (request.continuation !== undefined) {
      let previous = writtenText(request.plan);
      for await (const plan of request.continuation) {
        if (!(yield* speak(prepare(plan, request.voice), shaper, request, continuesSentence(previous)))) return;
        previous = writtenText(plan);
        // The next text may be a while coming: what this one made leaves now, whatever the frame size.
        yield* shaper.available();
      }
      if (request.signal.aborted) return;
    }
    yield* shaper.rest();
  }

  /**
   * Speaks one prepared plan into `shaper`; false when the request was aborted on the way. `joined`: the plan
   * continues a sentence that an earlier plan began (text streaming), so its leading silence goes.
   */
  async function* speak(prepared: PreparedSynthesis, shaper: ChunkShaper, request: SynthesisRequest, joined = false): AsyncGenerator<PcmChunk, boolean, undefined> {
    const { engine } = prepared;
    for (const [index, step] of prepared.steps.entries()) {
      if (request.signal.aborted) return false;
      const aligner = request.timestamps === false ? undefined : new SegmentAligner(step.written, step.kind === 'engine' && step.followsWords, shaper.received, Math.round(MAX_HELD_SECONDS * prepared.sampleRate));
      if (aligner) shaper.addAligner(aligner);
      if (step.kind === 'silence') {
        // Up to 30 s of silence is there at once and nothing else paces it: it goes in frame-sized pieces, one
        // frame per turn of the event loop, so it is neither one large allocation nor one long run of
        // resampling and encoding.
        for (let left = step.samples; left > 0; left -= shaper.maxSamples) {
          const silence = new Int16Array(Math.min(left, shaper.maxSamples));
          aligner?.add({ samples: silence, words: [], phonemes: [] });
          shaper.addSamples(silence);
          if (left <= shaper.maxSamples) continue;
          for (const chunk of shaper.ready()) {
            yield chunk;
            await nextTurn();
            if (request.signal.aborted) return false;
          }
        }
        aligner?.finish();
      } else {
        try {
          const chunks = engine.synthesize(step.segment, request.signal);
          for await (const chunk of joined && index === 0 ? withoutLeadingSilence(chunks, Math.round(MAX_JOIN_TRIM_SECONDS * prepared.sampleRate)) : chunks) {
            applyGain(chunk.samples, step.gain);
            aligner?.add(chunk);
            shaper.addSamples(chunk.samples);
            yield* shaper.ready();
          }
        } catch (error) {
          if (error instanceof EngineFailure) throw new SynthesisError('engine-failed', 'The speech engine failed on this request.', {}, { cause: error });
          throw error;
        }
        if (request.signal.aborted) return false;
        aligner?.finish();
      }
      yield* shaper.ready();
    }
    return true;
  }

  return { prepare, run };
}

/** The rate of a voice's audio: its own where the engine's voices differ in rate, else the engine's. */
function voiceRate(voice: PipelineVoice, capabilities: Engine['capabilities']): number {
  return capabilities.perVoiceSampleRate === true ? (voice.sampleRate ?? capabilities.sampleRate) : capabilities.sampleRate;
}

/**
 * The prosody an engine is asked for, within what it declares: volume it cannot set is done by gain on its
 * samples (the declared fallback); rate or pitch it cannot change is refused, naming the tag and the engine,
 * rather than silently ignored.
 */
function withinCapabilities(prosody: Prosody, capabilities: Engine['capabilities']): { prosody: Prosody; gain: number } {
  const refuse = (attribute: string): never => {
    throw new SynthesisError('invalid-markup', `The ${capabilities.name} engine cannot change ${attribute}: <prosody ${attribute}> is not supported by this voice.`, {
      tag: 'prosody',
      attribute,
      engine: capabilities.name,
    });
  };
  if (prosody.rate !== 1 && !capabilities.prosody.rate) refuse('rate');
  if (prosody.pitchSemitones !== 0 && !capabilities.prosody.pitch) refuse('pitch');
  if (prosody.volume === 1 || capabilities.prosody.volume) return { prosody, gain: 1 };
  return { prosody: { ...prosody, volume: 1 }, gain: prosody.volume };
}

function writtenText(plan: SynthesisPlan): string {
  return plan.items.map((item) => (item.kind === 'mark' ? '' : item.written)).join('');
}

/** Resolves after the event loop has run its I/O callbacks once. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Cuts the incoming audio into frames of bounded duration and puts each timestamp in the frame whose audio
 * holds its start. Audio waits only while a timestamp that might start inside it is not final yet.
 */
class ChunkShaper {
  private readonly pending: Int16Array[] = [];
  private pendingSamples = 0;
  private sent = 0;
  private readonly aligners: SegmentAligner[] = [];
  private readonly secondSamples: number;
  private readonly steadySamples: number;
  /** The longest frame. */
  readonly maxSamples: number;
  private frames = 0;

  constructor(private readonly rate: number) {
    this.secondSamples = Math.round(SECOND_CHUNK_SECONDS * rate);
    this.steadySamples = Math.round(STEADY_CHUNK_SECONDS * rate);
    this.maxSamples = Math.round(MAX_CHUNK_SECONDS * rate);
  }

  /** Samples received so far: the request-relative position of the next sample. */
  get received(): number {
    return this.sent + this.pendingSamples;
  }

  addAligner(aligner: SegmentAligner): void {
    this.aligners.push(aligner);
  }

  addSamples(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.pending.push(samples);
    this.pendingSamples += samples.length;
  }

  /** Frames that can leave now: the first as soon as any audio is final, then 100 ms, then 200–250 ms. */
  *ready(): Generator<PcmChunk> {
    for (;;) {
      const available = this.final() - this.sent;
      const minimum = this.frames === 0 ? 1 : this.frames === 1 ? this.secondSamples : this.steadySamples;
      if (available < minimum) return;
      yield this.emit(Math.min(available, this.maxSamples));
    }
  }

  /** Every final sample, in frames of at most 250 ms, however short the last: for a pause in the input. */
  *available(): Generator<PcmChunk> {
    for (let left = this.final() - this.sent; left > 0; left = this.final() - this.sent) yield this.emit(Math.min(left, this.maxSamples));
  }

  /** The request-relative position up to which audio is final: no timestamp still open may start before it. */
  private final(): number {
    return Math.min(this.received, ...this.aligners.map((aligner) => aligner.safeSample()));
  }

  /** The end of the request: everything left, in frames of at most 250 ms. */
  *rest(): Generator<PcmChunk> {
    while (this.pendingSamples > 0) yield this.emit(Math.min(this.pendingSamples, this.maxSamples));
    const leftover = this.takeUnits(Number.POSITIVE_INFINITY);
    if (leftover.graph_chars.length > 0 || leftover.phon_chars.length > 0 || this.sent === 0) {
      yield { samples: new Int16Array(0), alignment: leftover };
    }
  }

  private emit(count: number): PcmChunk {
    this.frames += 1;
    const samples = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, count - filled);
      samples.set(take === head.length ? head : head.subarray(0, take), filled);
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
      filled += take;
    }
    this.pendingSamples -= count;
    this.sent += count;
    const isLast = this.pendingSamples === 0 && this.aligners.every((aligner) => aligner.safeSample() === Number.POSITIVE_INFINITY);
    return { samples, alignment: this.takeUnits(isLast ? Number.POSITIVE_INFINITY : this.sent) };
  }

  private takeUnits(before: number): Alignment {
    const alignment = emptyAlignment();
    for (const aligner of this.aligners) {
      const { graphemes, phonemes } = aligner.take(before);
      appendUnits(alignment.graph_chars, alignment.graph_times, graphemes, this.rate);
      appendUnits(alignment.phon_chars, alignment.phon_times, phonemes, this.rate);
    }
    while (this.aligners.length > 1 && this.aligners[0]!.safeSample() === Number.POSITIVE_INFINITY && this.aligners[0]!.drained) {
      this.aligners.shift();
    }
    return alignment;
  }
}
