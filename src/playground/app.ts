/**
 * The playground's Speak tab and its wiring: the voice list from /api/v2/voices (filtered by engine and
 * language), a request over the typed client's WebSocket, playback while it streams, the characters lit from
 * the timestamps as they are heard, time to first audio and real-time factor, and saving what played.
 * `window.voxwirePlayground` reports what the page did (samples given to the audio graph, characters lit),
 * for the browser tests and for anyone curious in the console.
 */
import { VoxwireClient, VoxwireHttp, wavFileFromChunks, type AudioTimestamps, type OutputFormat, type Precision, type SampleRate, type SpeakRequest, type Speech, type VoiceResource } from '../client/index.js';
import { setupDesign } from './design.js';
import { plainWords } from './messages.js';
import { Mp3Player, PcmPlayer, type Player } from './player.js';
import { element, showError } from './dom.js';

const EXAMPLES: Readonly<Record<string, string>> = {
  pause: '<speak>Ready? <break time="800ms"/> Here we go.</speak>',
  prosody: '<speak>Normal speech, then <prosody rate="slow" pitch="-3st">slow and low</prosody>, then back.</speak>',
  'say-as': '<speak>Call <say-as interpret-as="telephone">555-0134</say-as> before <say-as interpret-as="date" format="mdy">12/31/2026</say-as>.</speak>',
};

/** What the page did, for tests and curious visitors. */
const report = {
  voices: 0,
  phase: 'loading' as 'loading' | 'idle' | 'speaking' | 'done' | 'stopped' | 'error',
  scheduledSamples: 0,
  playedSamples: 0,
  gapSeconds: 0,
  sampleRate: 0,
  characters: 0,
  highlighted: 0,
  spokenText: '',
  firstAudioMs: undefined as number | undefined,
  realTimeFactor: undefined as number | undefined,
  error: '',
  designCandidates: 0,
  candidatesPlayed: 0,
  keptVoice: '',
};
(window as unknown as { voxwirePlayground: typeof report }).voxwirePlayground = report;

const ui = {
  key: element<HTMLInputElement>('api-key'),
  engine: element<HTMLSelectElement>('engine'),
  language: element<HTMLSelectElement>('language'),
  voice: element<HTMLSelectElement>('voice'),
  text: element<HTMLTextAreaElement>('text'),
  format: element<HTMLSelectElement>('format'),
  rate: element<HTMLSelectElement>('sample-rate'),
  precision: element<HTMLSelectElement>('precision'),
  speak: element<HTMLButtonElement>('speak'),
  stop: element<HTMLButtonElement>('stop'),
  save: element<HTMLButtonElement>('save'),
  status: element('status'),
  error: element('error'),
  ttfa: element('ttfa'),
  rtf: element('rtf'),
  spoken: element('spoken'),
};

let voices: VoiceResource[] = [];
let client: { key: string; connection: Promise<VoxwireClient> } | undefined;
let current: { speech: Speech; player: Player } | undefined;
let saved: { chunks: Uint8Array[]; format: OutputFormat } | undefined;

function key(): string | undefined {
  return ui.key.value.trim() || undefined;
}

/** HTTP with the page's key, sent as `?api_key=` (protocol.md section 8). */
function http(): VoxwireHttp {
  const apiKey = key();
  return new VoxwireHttp({ url: location.origin, apiKeyIn: 'query', ...(apiKey === undefined ? {} : { apiKey }) });
}

/** The socket for the current key, opened when first needed and again after the key changes. */
function connection(): Promise<VoxwireClient> {
  const apiKey = key() ?? '';
  if (client === undefined || client.key !== apiKey) {
    void client?.connection.then((old) => old.close(), () => undefined);
    client = { key: apiKey, connection: VoxwireClient.connect({ url: location.origin, apiKeyIn: 'query', ...(apiKey ? { apiKey } : {}) }) };
    // A connection that failed is not kept: the next Speak tries again.
    const attempt = client;
    attempt.connection.catch(() => {
      if (client === attempt) client = undefined;
    });
  }
  return client.connection;
}

async function loadVoices(select?: string): Promise<void> {
  try {
    voices = await http().allVoices();
    report.voices = voices.length;
    fillFilters();
    showVoices(select);
    showError(ui.error, '');
    ui.status.textContent = `${voices.length} voices.`;
  } catch (error) {
    voices = [];
    showVoices();
    fail(error);
  }
}

function fillFilters(): void {
  const options = (select: HTMLSelectElement, values: string[], all: string): void => {
    const chosen = select.value;
    select.replaceChildren(new Option(all, ''), ...values.map((value) => new Option(value, value)));
    select.value = values.includes(chosen) ? chosen : '';
  };
  options(ui.engine, [...new Set(voices.map((voice) => voice.engine))], 'All engines');
  options(ui.language, [...new Set(voices.map((voice) => voice.default_language))].sort(), 'All languages');
}

function showVoices(select?: string): void {
  const chosen = select ?? ui.voice.value;
  const shown = voices.filter((voice) => (!ui.engine.value || voice.engine === ui.engine.value) && (!ui.language.value || voice.default_language === ui.language.value));
  ui.voice.replaceChildren(...shown.map((voice) => new Option(`${voice.name} · ${voice.engine}`, voice.uuid)));
  if (shown.some((voice) => voice.uuid === chosen)) ui.voice.value = chosen;
  ui.speak.disabled = shown.length === 0;
}

function fail(error: unknown): void {
  report.phase = 'error';
  report.error = plainWords(error);
  showError(ui.error, report.error);
  ui.status.textContent = '';
}

/** The characters of the spoken text (graph_chars, SSML tags left out), each with its start time. */
class Highlighter {
  private readonly starts: number[] = [];
  private readonly spans: HTMLSpanElement[] = [];
  private lit = 0;
  private frame = 0;

  constructor(private readonly player: Player) {
    ui.spoken.replaceChildren();
    report.characters = report.highlighted = 0;
    report.spokenText = '';
    const tick = (): void => {
      this.catchUp(this.player.position());
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  add(stamps: AudioTimestamps): void {
    stamps.graph_chars.forEach((char, i) => {
      const span = document.createElement('span');
      span.textContent = char;
      this.spans.push(span);
      this.starts.push(stamps.graph_times[i]![0]);
      ui.spoken.append(span);
    });
    report.characters = this.spans.length;
    report.spokenText += stamps.graph_chars.join('');
  }

  /** Lights every character that has started by `seconds`. */
  catchUp(seconds: number): void {
    if (this.lit > 0) this.spans[this.lit - 1]!.classList.remove('current');
    while (this.lit < this.spans.length && this.starts[this.lit]! <= seconds) this.spans[this.lit++]!.classList.add('spoken-char');
    if (this.lit > 0) this.spans[this.lit - 1]!.classList.add('current');
    report.highlighted = this.lit;
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
  }
}

function speakRequest(): SpeakRequest {
  return {
    voice_uuid: ui.voice.value,
    data: ui.text.value,
    output_format: ui.format.value as OutputFormat,
    sample_rate: Number(ui.rate.value) as SampleRate,
    precision: ui.precision.value as Precision,
  };
}

async function speak(): Promise<void> {
  stop();
  showError(ui.error, '');
  if (!ui.text.value.trim()) return fail('There is nothing to speak: type some text first.');
  const request = speakRequest();
  const mp3 = request.output_format === 'mp3';
  if (mp3 && !Mp3Player.supported()) return fail('This browser cannot play MP3 while it streams: choose WAV.');
  Object.assign(report, { phase: 'speaking', scheduledSamples: 0, playedSamples: 0, gapSeconds: 0, firstAudioMs: undefined, realTimeFactor: undefined, error: '', sampleRate: request.sample_rate });
  ui.ttfa.textContent = ui.rtf.textContent = '…';
  ui.status.textContent = 'Speaking…';
  ui.speak.disabled = true;
  ui.stop.disabled = false;
  ui.save.disabled = true;
  // Created inside the key press or click, so that the browser lets it play.
  const player = mp3 ? new Mp3Player() : new PcmPlayer(request.sample_rate ?? 48000);
  const highlighter = new Highlighter(player);
  const chunks: Uint8Array[] = [];
  try {
    const speech = (await connection()).speak(request);
    current = { speech, player };
    for await (const chunk of speech) {
      // Stopped, or replaced by a newer Speak: leaving the loop cancels what is left of this one.
      if (current?.player !== player) return;
      chunks.push(chunk.audio);
      if (player instanceof PcmPlayer) {
        player.schedule(chunk.samples());
        report.scheduledSamples = player.scheduledSamples;
      } else player.append(chunk.audio);
      if (chunk.timestamps !== undefined) highlighter.add(chunk.timestamps);
    }
    const result = await speech.done;
    if (result.cancelled) return;
    report.firstAudioMs = result.firstAudioMs;
    ui.ttfa.textContent = result.firstAudioMs === undefined ? '–' : `${Math.round(result.firstAudioMs)} ms`;
    player.end();
    saved = { chunks, format: request.output_format ?? 'wav' };
    ui.save.disabled = false;
    ui.save.textContent = mp3 ? 'Save MP3' : 'Save WAV';
    await player.finished();
    if (current?.player !== player) return;
    const seconds = player instanceof PcmPlayer ? player.scheduledSamples / request.sample_rate! : (player as Mp3Player).duration;
    if (seconds > 0) report.realTimeFactor = result.totalMs / 1000 / seconds;
    ui.rtf.textContent = report.realTimeFactor === undefined ? '–' : report.realTimeFactor.toFixed(3);
    if (player instanceof PcmPlayer) Object.assign(report, { playedSamples: player.playedSamples, gapSeconds: player.gapSeconds });
    highlighter.catchUp(Number.POSITIVE_INFINITY);
    report.phase = 'done';
    ui.status.textContent = `Done: ${seconds.toFixed(2)} s of audio.`;
  } catch (error) {
    player.stop();
    fail(error);
  } finally {
    highlighter.stop();
    if (current?.player === player) {
      current = undefined;
      ui.speak.disabled = false;
      ui.stop.disabled = true;
    }
  }
}

function stop(): void {
  if (current === undefined) return;
  current.speech.cancel();
  current.player.stop();
  current = undefined;
  report.phase = 'stopped';
  ui.status.textContent = 'Stopped.';
  ui.speak.disabled = false;
  ui.stop.disabled = true;
}

function save(): void {
  if (saved === undefined) return;
  const blob =
    saved.format === 'wav' ? new Blob([wavFileFromChunks(saved.chunks) as BlobPart], { type: 'audio/wav' }) : new Blob(saved.chunks as BlobPart[], { type: 'audio/mpeg' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `voxwire.${saved.format}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Tabs as the WAI-ARIA pattern has them: arrow keys move between tabs, Tab moves into the panel. */
function setupTabs(): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const choose = (tab: HTMLButtonElement): void => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      element(other.getAttribute('aria-controls')!).hidden = !selected;
    }
    tab.focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => choose(tab));
    tab.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
        event.preventDefault();
        choose(tabs[(i + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!);
      }
    });
  });
}

element('not-built').hidden = true;
setupTabs();
ui.engine.addEventListener('change', () => showVoices());
ui.language.addEventListener('change', () => showVoices());
ui.key.addEventListener('change', () => void loadVoices());
ui.speak.addEventListener('click', () => void speak());
ui.stop.addEventListener('click', stop);
ui.save.addEventListener('click', save);
ui.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void speak();
  }
});
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-example]'))) {
  button.addEventListener('click', () => {
    ui.text.value = EXAMPLES[button.dataset['example']!]!;
    ui.text.focus();
  });
}
ui.format.addEventListener('change', () => (ui.precision.disabled = ui.format.value === 'mp3'));
setupDesign({
  http,
  report,
  onVoiceKept: async (uuid) => {
    ui.engine.value = ui.language.value = '';
    await loadVoices(uuid);
  },
});
void loadVoices().then(() => {
  if (report.phase === 'loading') report.phase = 'idle';
});
