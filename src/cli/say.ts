/** `voxwire say`: synthesize text (or SSML) to a WAV or MP3 file with the built-in engines, no server needed. */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isSampleRate, PRECISIONS, type AudioFormat, type OutputFormat } from '../audio/formats.js';
import { BUILT_IN_ENGINES, startEngines } from '../engines/registry.js';
import { catalogueError } from '../protocol/errors.js';
import { resolveSpeech } from '../protocol/speech-job.js';
import { parseSpeechFields } from '../protocol/stream-request.js';
import { fileParts, speakWhole } from '../synthesis/speech.js';
import { createPipeline } from '../synthesis/pipeline.js';
import { DEFAULT_VOICE, VoiceCatalogue, type Voice } from '../voices/catalogue.js';
import { loadSettings } from '../config/settings.js';
import { addLibraryVoices } from '../library/library.js';
import { sayRemotely } from './say-remote.js';

const HELP = `Usage: voxwire say [TEXT] -o FILE [options]
  TEXT                     text or <speak>SSML</speak>; omit it (or give -) to read standard input
  -f, --file PATH          read the text from a file
  -o, --output FILE        where to write the audio (required)
  --voice UUID|NAME|LANG   a voice uuid, a name such as "Ava", or a language such as fr-FR (default: ${DEFAULT_VOICE.name})
  --data-dir DIR           the data folder whose voice library is searched too (default: the server's)
  --sample-rate HZ         8000, 16000, 22050, 32000, 44100 or 48000 (default 48000)
  --precision P            ${PRECISIONS.join(', ')} (default PCM_16; wav only)
  --format wav|mp3         (default: from the output file's extension)
  --timestamps FILE        also write the graph/phoneme timestamps as JSON
  --server URL             speak with a running voxwire (http://host:port) instead of the built-in engines
  --api-key KEY            the server's API key, with --server`;

/** Characters beyond which a progress bar is drawn (on a terminal). */
const PROGRESS_THRESHOLD = 400;

export async function runSayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      file: { type: 'string', short: 'f' },
      voice: { type: 'string' },
      'sample-rate': { type: 'string' },
      precision: { type: 'string' },
      format: { type: 'string' },
      timestamps: { type: 'string' },
      'data-dir': { type: 'string' },
      server: { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.output) {
    console.error(`voxwire say: -o FILE is required.\n\n${HELP}`);
    return 2;
  }
  const text = values.file ? readFileSync(values.file, 'utf8') : positionals.length > 0 && positionals[0] !== '-' ? positionals.join(' ') : readFileSync(0, 'utf8');
  const format = values.format ?? (values.output.toLowerCase().endsWith('.mp3') ? 'mp3' : 'wav');
  const sampleRate = Number(values['sample-rate'] ?? 48000);
  if (values.server !== undefined) {
    return sayRemotely({
      server: values.server,
      apiKey: values['api-key'],
      text: text.trim(),
      voice: values.voice,
      output: values.output,
      format: format as OutputFormat,
      sampleRate,
      precision: values.precision ?? 'PCM_16',
      timestamps: values.timestamps,
    });
  }
  const voices = new VoiceCatalogue();
  await addLibraryVoices(values['data-dir'] ?? loadSettings([]).dataDir, voices);
  const voice = pickVoice(voices, values.voice);
  if (voice === undefined) {
    console.error(`voxwire say: no voice matches "${values.voice}"; \`voxwire voices\` lists them.`);
    return 2;
  }
  // Only the engine of the chosen voice starts: a request stays on its voice's engine.
  const engines = startEngines(BUILT_IN_ENGINES.filter((plugin) => plugin.id === voice.engine), { workers: 1 });
  try {
    await engines.ready();
    const pipeline = createPipeline(engines, (language, gender, engine) => voices.forLanguage(language, gender, engine));
    const fields = parseSpeechFields({
      voice_uuid: voice.uuid,
      data: text.trim(),
      output_format: format,
      sample_rate: isSampleRate(sampleRate) ? sampleRate : values['sample-rate'],
      precision: values.precision ?? 'PCM_16',
    });
    // No text limit here: the limits protect a shared server, and `say` is one user's own process.
    const job = resolveSpeech(fields, Number.POSITIVE_INFINITY, voices, pipeline);
    const progress = showProgress(job.characters);
    // Nor an audio cap: the file is written from a Buffer, which holds far more than a JSON string.
    const spoken = await speakWhole(pipeline, job, fields.audio, new AbortController().signal, { onProgress: progress, maxBytes: Number.POSITIVE_INFINITY });
    if (spoken === undefined) throw new Error('synthesis was interrupted');
    writeFileSync(values.output, Buffer.concat(fileParts(spoken)));
    if (values.timestamps) writeFileSync(values.timestamps, `${JSON.stringify(spoken.alignment, null, 2)}\n`);
    const seconds = describe(fields.audio, spoken.seconds);
    process.stderr.write(`${progress ? '\n' : ''}Wrote ${values.output}: ${seconds}, voice ${voice.name}\n`);
    return 0;
  } catch (error) {
    const known = catalogueError(error);
    if (known === undefined) throw error;
    console.error(`voxwire say: ${known.errorName}: ${known.message}`);
    return 2;
  } finally {
    await engines.close();
  }
}

function pickVoice(voices: VoiceCatalogue, query: string | undefined): Voice | undefined {
  if (query === undefined) return DEFAULT_VOICE;
  const lower = query.toLowerCase();
  return voices.find(query) ?? voices.list().find((voice) => voice.name.toLowerCase().startsWith(lower)) ?? voices.forLanguage(query);
}

function describe(format: AudioFormat, seconds: number): string {
  const kind = format.format === 'mp3' ? 'MP3' : format.precision;
  return `${seconds.toFixed(2)} s at ${format.sampleRate} Hz ${kind}`;
}

/** A progress callback drawing a bar on stderr, for long texts on a terminal only. */
function showProgress(totalCharacters: number): ((spokenCharacters: number) => void) | undefined {
  if (!process.stderr.isTTY || totalCharacters < PROGRESS_THRESHOLD) return undefined;
  return (done) => {
    const share = Math.min(1, done / totalCharacters);
    const width = 30;
    const filled = Math.round(share * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%`);
  };
}
