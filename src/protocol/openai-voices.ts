/**
 * OpenAI's voice names (alloy, nova, …) → voxwire voices. Clients built for OpenAI offer only those names, so
 * each one must speak with some voxwire voice; the operator can point any of them (or a new name) elsewhere
 * with `--openai-voices alloy=Ava,narrator=<uuid>`. Targets are voice references (a uuid or a name), resolved
 * through the voice directory on every request, so a voice added to the library at run time can be a target.
 */
import type { PipelineVoice } from '../synthesis/pipeline.js';
import type { VoiceDirectory } from './speech-job.js';

/** Lower-case name → a voice uuid or name. */
export type OpenAiVoiceTable = ReadonlyMap<string, string>;

/**
 * The default table: OpenAI's male voices on male voxwire voices and its female ones on female voices, the
 * names clients use most (alloy, nova, echo, onyx) on flite's CMU voices, the clearest built in (by the
 * pocketsphinx round trip of test/engines/intelligibility.test.ts), the others spread over espeak-ng's
 * English voices so that different names sound different.
 */
export const DEFAULT_OPENAI_VOICES: Readonly<Record<string, string>> = Object.freeze({
  alloy: '19bdda08-5d3f-51ca-ae41-9ffa92557838', // slt (CMU, English US, female)
  ash: '7e8363a0-4ff9-5915-8d91-cd07fd20ca29', // rms (CMU, English US, male)
  ballad: 'e94eaadf-24e9-58e2-8b79-6c6a3758d6c4', // Oliver (English UK, male)
  coral: 'a76430b5-be28-530d-9a70-1f35ba2efa75', // Ava (English US, female)
  echo: '7e8363a0-4ff9-5915-8d91-cd07fd20ca29', // rms
  fable: 'd86b77f9-dc26-5b76-b710-6d3f87ed070d', // awb (CMU, Scottish English, male)
  nova: '19bdda08-5d3f-51ca-ae41-9ffa92557838', // slt
  onyx: '7e8363a0-4ff9-5915-8d91-cd07fd20ca29', // rms
  sage: '0e4a0360-bfbb-5248-8902-1e229b6804a9', // Olivia (English UK, female)
  shimmer: 'a76430b5-be28-530d-9a70-1f35ba2efa75', // Ava
  verse: '0d971ba3-d693-51d8-85f9-214fe7f3fc75', // Ethan (English US, male)
  marin: '19bdda08-5d3f-51ca-ae41-9ffa92557838', // slt
  cedar: 'd86b77f9-dc26-5b76-b710-6d3f87ed070d', // awb
});

const ENTRY = /^\s*([^=\s]+)\s*=\s*(\S(?:.*\S)?)\s*$/;

/** One `name=voice` entry of the setting, normalized, or undefined when it is not of that form. */
export function normalizeVoiceMapping(entry: string): string | undefined {
  const match = ENTRY.exec(entry);
  return match === null ? undefined : `${match[1]!.toLowerCase()}=${match[2]}`;
}

/** A voice reference: a uuid first, else a name. */
export function voiceByReference(voices: VoiceDirectory, reference: string): PipelineVoice | undefined {
  return voices.find(reference) ?? voices.named(reference);
}

/**
 * The default table with the operator's `name=voice` entries over it. An entry whose voice the directory does
 * not know stops the start: a typo would otherwise only show as errors to the clients that use that name.
 */
export function openAiVoiceTable(entries: readonly string[], voices: VoiceDirectory): OpenAiVoiceTable {
  const table = new Map(Object.entries(DEFAULT_OPENAI_VOICES));
  for (const entry of entries) {
    const normalized = normalizeVoiceMapping(entry);
    if (normalized === undefined) throw new Error(`--openai-voices: "${entry}" is not of the form name=voice`);
    const at = normalized.indexOf('=');
    const [name, reference] = [normalized.slice(0, at), normalized.slice(at + 1)];
    if (voiceByReference(voices, reference) === undefined) {
      throw new Error(`--openai-voices: "${name}" names the voice "${reference}", which no voice has as its uuid or name (npx voxwire voices lists them)`);
    }
    table.set(name, reference);
  }
  return table;
}
