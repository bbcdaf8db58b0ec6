/**
 * The Design tab (protocol.md section 6): a prompt becomes three candidates, each can be heard (its WAV
 * fetched with the page's key and decoded by the browser), and the chosen one is kept under a name; the page
 * then lists it among the voices.
 */
import type { VoiceCandidate, VoxwireHttp } from '../client/index.js';
import { element, showError } from './dom.js';
import { plainWords } from './messages.js';

export interface DesignDependencies {
  readonly http: () => VoxwireHttp;
  readonly report: { designCandidates: number; candidatesPlayed: number; keptVoice: string; error: string };
  /** Called with the new voice's uuid once it is kept. */
  readonly onVoiceKept: (uuid: string) => Promise<void>;
}

export function setupDesign({ http, report, onVoiceKept }: DesignDependencies): void {
  const ui = {
    prompt: element<HTMLTextAreaElement>('prompt'),
    design: element<HTMLButtonElement>('design'),
    status: element('design-status'),
    error: element('design-error'),
    candidates: element<HTMLFieldSetElement>('candidates'),
    list: element<HTMLOListElement>('candidate-list'),
    name: element<HTMLInputElement>('voice-name'),
    keep: element<HTMLButtonElement>('keep'),
  };
  let candidates: VoiceCandidate[] = [];
  let context: AudioContext | undefined;

  const problem = (error: unknown): void => {
    report.error = plainWords(error);
    showError(ui.error, report.error);
    ui.status.textContent = '';
  };

  const chosen = (): VoiceCandidate | undefined => {
    const radio = ui.list.querySelector<HTMLInputElement>('input[name="candidate"]:checked');
    return radio === null ? undefined : candidates[Number(radio.value)];
  };
  const updateKeep = (): void => {
    ui.keep.disabled = chosen() === undefined || ui.name.value.trim() === '';
  };

  async function play(candidate: VoiceCandidate): Promise<void> {
    try {
      const bytes = await http().fetchAudio(candidate.audio_url);
      context ??= new AudioContext();
      const buffer = await context.decodeAudioData(bytes.slice().buffer);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      source.start();
      report.candidatesPlayed += 1;
      ui.status.textContent = `Playing candidate ${candidate.voice_sample_index + 1} (${buffer.duration.toFixed(1)} s).`;
    } catch (error) {
      problem(error);
    }
  }

  async function design(): Promise<void> {
    showError(ui.error, '');
    const prompt = ui.prompt.value.trim();
    if (!prompt) return problem('Describe the voice first: for example "a young woman, fast and cheerful".');
    ui.design.disabled = true;
    ui.status.textContent = 'Designing…';
    try {
      const answer = await http().designVoice(prompt);
      candidates = answer.voice_candidates;
      report.designCandidates = candidates.length;
      ui.list.replaceChildren(
        ...candidates.map((candidate, i) => {
          const item = document.createElement('li');
          const listen = document.createElement('button');
          listen.type = 'button';
          listen.textContent = `Listen to candidate ${i + 1}`;
          listen.addEventListener('click', () => void play(candidate));
          const label = document.createElement('label');
          const radio = document.createElement('input');
          radio.type = 'radio';
          radio.name = 'candidate';
          radio.value = String(i);
          radio.addEventListener('change', updateKeep);
          label.append(radio, ` Keep candidate ${i + 1}`);
          item.append(listen, label);
          return item;
        }),
      );
      ui.candidates.hidden = false;
      const ignored = answer.ignored_phrases.length > 0 ? ` Not understood: ${answer.ignored_phrases.join(', ')}.` : '';
      ui.status.textContent = `${candidates.length} candidates.${ignored}`;
      updateKeep();
    } catch (error) {
      problem(error);
    } finally {
      ui.design.disabled = false;
    }
  }

  async function keep(): Promise<void> {
    const candidate = chosen();
    const name = ui.name.value.trim();
    if (candidate === undefined || !name) return;
    showError(ui.error, '');
    ui.keep.disabled = true;
    try {
      const uuid = await http().createDesignedVoice(candidate.uuid, candidate.voice_sample_index, name);
      report.keptVoice = uuid;
      await onVoiceKept(uuid);
      ui.status.textContent = `Kept as "${name}": it is in the voice list of the Speak tab.`;
    } catch (error) {
      problem(error);
    } finally {
      updateKeep();
    }
  }

  ui.design.addEventListener('click', () => void design());
  ui.keep.addEventListener('click', () => void keep());
  ui.name.addEventListener('input', updateKeep);
}
