/** Renders results as the markdown table the README includes (and the runner prints). */
import { TOKEN_CHARS, TOKEN_INTERVAL_MS, type AgentStreamResult } from './agent-stream.js';
import type { HostileRow } from './hostile.js';
import type { BenchResults, EngineComparison } from './results.js';
import { FIRST_AUDIO_BOUND, meanThroughput, THROUGHPUT_BOUND } from './results.js';
import type { CpuSeconds } from './cpu.js';
import type { ConcurrencyResult } from './scenarios.js';
import type { Summary } from './stats.js';

function num(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}

function spread(summary: Summary, digits = 1): string {
  return `${num(summary.p50, digits)} / ${num(summary.p95, digits)}`;
}

function cpuCell(server: CpuSeconds | undefined, engine: CpuSeconds | undefined): string {
  const ms = (value: number | undefined): string => (value === undefined ? '–' : (value * 1000).toFixed(1));
  return [server?.['serverMainThread'], server?.['serverOtherThreads'], server?.['loadGenerator'], engine?.['engineProcess']].map(ms).join(' / ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One row per level: voxwire beside the raw engine at the same N. */
function concurrencyTable(levels: readonly ConcurrencyResult[], engineLevels: readonly ConcurrencyResult[]): string {
  return table(
    ['N', 'requests', 'errors', 'underruns (engine)', 'first audio', 'engine first audio', 'audio s/s', 'engine audio s/s', 'throughput ratio', 'CPU ms per audio s: server main / server other / load gen / engine', 'peak RSS MiB', 'real time (engine)'],
    levels.map((level) => {
      const peer = engineLevels.find((entry) => entry.clients === level.clients);
      const throughput = peer?.audioSecondsPerSecond && level.audioSecondsPerSecond !== null ? level.audioSecondsPerSecond / peer.audioSecondsPerSecond : null;
      return [
        String(level.clients),
        String(level.requests),
        String(level.errors),
        `${level.underruns} (${peer ? peer.underruns : '–'})`,
        spread(level.firstAudioMs),
        peer ? spread(peer.firstAudioMs) : '–',
        num(level.audioSecondsPerSecond),
        num(peer?.audioSecondsPerSecond),
        `${num(throughput, 2)}${throughput !== null && throughput < THROUGHPUT_BOUND ? ' ⚠' : ''}`,
        cpuCell(level.cpuPerAudioSecond, peer?.cpuPerAudioSecond),
        num(level.peakRssMiB),
        `${yesNo(level.realtime)} (${peer ? yesNo(peer.realtime) : '–'})`,
      ];
    }),
  );
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** The W4 voice-agent table; also printed on its own by `npm run bench -- --agent-only`. */
export function agentStreamSection(row: AgentStreamResult): string {
  return (
    `**W4 voice agent** (an LLM-like token stream: the W2 paragraph in ${TOKEN_CHARS}-character pieces every ${TOKEN_INTERVAL_MS} ms, ` +
    `${row.rounds} rounds, ${row.errors} errors; times from the first token; cancel: a W2 request cancelled after its third audio frame)\n\n` +
    table(
      ['', 'first audio', 'last audio_end'],
      [
        ['one streamed request (`text_stream`, a `text` per piece)', spread(row.streamedFirstAudioMs), spread(row.streamedTotalMs, 0)],
        ['sentence by sentence, as pipecat sends it', spread(row.sentencesFirstAudioMs), spread(row.sentencesTotalMs, 0)],
        ['cancel → audio_end cancelled (silence)', spread(row.cancelToSilenceMs), '–'],
      ],
    )
  );
}

/** The hostile-neighbour table; also printed on its own by `npm run bench -- --hostile-only`. */
export function hostileSection(rows: readonly HostileRow[]): string {
  return (
    '**Hostile neighbour** (a victim asks for W1 sentences, once alone and once while another client sends a bomb at the edge of ' +
    'the cost budget, rounds interleaved; the attacker reads as fast as it can, except the never-reading one, and asks again when a bomb ends)\n\n' +
    table(
      ['bomb family', 'victim first audio alone', 'victim first audio attacked', 'p50 ratio', 'bombs served / refused'],
      rows.map((row) => [
        row.family,
        spread(row.unloadedMs),
        spread(row.attackedMs),
        num(row.attackedMs.p50 !== null && row.unloadedMs.p50 ? row.attackedMs.p50 / row.unloadedMs.p50 : null, 2),
        `${row.bombsServed} / ${row.bombsRefused}`,
      ]),
    )
  );
}

/** The per-engine table; also printed on its own by `npm run bench -- --engines-only`. */
export function enginesSection(rows: readonly EngineComparison[], w1Sentences: number, w1Passes: number): string {
  const flag = (value: number | null, bad: boolean): string => `${num(value, 2)}${bad ? ' ⚠' : ''}`;
  const ratioOf = (a: number | null, b: number | null): number | null => (a !== null && b ? a / b : null);
  return (
    `**Every engine** (voxwire beside the raw engine, same workers; W1: ${w1Sentences} sentences × ${w1Passes} passes taking turns sentence by sentence; ` +
    'W3 back to back at one level, in equal windows taken in turns; first audio flagged above ' +
    `${FIRST_AUDIO_BOUND}×, throughput below ${THROUGHPUT_BOUND * 100} %)\n\n` +
    table(
      ['engine (voice)', 'W1 first audio: voxwire', 'raw engine', 'p50 ratio', 'W1 real-time factor p50: voxwire / raw', 'W3 N', 'audio s/s: voxwire', 'raw engine', 'throughput ratio', 'errors'],
      rows.map((row) => {
        const firstAudio = ratioOf(row.server.w1.firstAudioMs.p50, row.raw.w1.firstAudioMs.p50);
        const [serverThroughput, rawThroughput] = [meanThroughput(row.server.w3), meanThroughput(row.raw.w3)];
        const throughput = ratioOf(serverThroughput, rawThroughput);
        const errors = (side: EngineComparison['server']): number => side.w1.errors + side.w3.reduce((sum, round) => sum + round.errors, 0);
        return [
          `${row.engine} (${row.voice})`,
          spread(row.server.w1.firstAudioMs),
          spread(row.raw.w1.firstAudioMs),
          flag(firstAudio, firstAudio !== null && firstAudio > FIRST_AUDIO_BOUND),
          `${num(row.server.w1.realTimeFactor.p50, 4)} / ${num(row.raw.w1.realTimeFactor.p50, 4)}`,
          String(row.server.w3[0]?.clients ?? '–'),
          num(serverThroughput),
          num(rawThroughput),
          flag(throughput, throughput !== null && throughput < THROUGHPUT_BOUND),
          `${errors(row.server)} (${errors(row.raw)})`,
        ];
      }),
    )
  );
}

export function renderMarkdown(results: BenchResults): string {
  const { machine, settings, server, engine } = results;
  const sections: string[] = [];
  sections.push(
    `Measured by \`npm run bench\`${settings.quick ? ' --quick (a tiny load: not representative)' : ''} on ${results.generatedAt.slice(0, 10)} (revision ${settings.revision}): ` +
      `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}), ` +
      `1-minute load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end. ` +
      `Server and raw engine both use ${settings.workers} espeak-ng workers; the server runs in its own process, clients on loopback. ` +
      `W1–W3 ask for ${settings.mainFormat} in JSON frames (base64 audio with timestamps). Times are ms; p50 / p95.`,
  );
  sections.push(
    '**Latency and single-stream speed** (server ÷ engine: first audio flagged above ' +
      `${FIRST_AUDIO_BOUND}×, throughput below ${THROUGHPUT_BOUND * 100} %)\n\n` +
      table(
        ['', 'voxwire', 'raw engine', 'ratio'],
        results.comparisons
          .filter((row) => !row.metric.startsWith('W3'))
          .map((row) => [row.metric, num(row.server, 3), num(row.engine, 3), `${num(row.ratio, 2)}${row.flagged ? ' ⚠' : ''}`]),
      ) +
      `\n\nW1: ${settings.w1Sentences} sentences × ${settings.w1Passes} passes, server and engine taking turns sentence by sentence; ` +
      `first audio max ${num(server.w1.firstAudioMs.max)} ms (engine ${num(engine.w1.firstAudioMs.max)} ms). ` +
      `W2 (${num(server.w2.audioSeconds / server.w2.requests)} s of audio) × ${settings.w2Repeats}: total p50 ${num(server.w2.totalMs.p50, 0)} ms (engine ${num(engine.w2.totalMs.p50, 0)} ms).`,
  );
  sections.push(
    `**W3 concurrency, back to back** (the throughput ceiling: each client asks again the moment a request ends; ` +
      `${settings.w3Seconds} s per level for voxwire, ${settings.engineW3Seconds} s for the engine; ` +
      `underrun: a frame arriving more than ${settings.underrunSlackMs} ms after its playback time)\n\n` +
      concurrencyTable(server.w3, engine.w3) +
      `\n\nLargest N with no underrun and p95 first audio under 100 ms: voxwire ${server.maxRealtimeClients ?? 'none'}, raw engine ${engine.maxRealtimeClients ?? 'none'}.`,
  );
  sections.push(
    `**W3 concurrency, paced like voice agents** (each client waits until the audio it received has played out, ` +
      `playback starting at first audio, then ${settings.thinkMs} ms more before its next sentence; first requests spread over one mean turn; ` +
      `${settings.w3PacedSeconds} s per level for both; the engine's callers are paced the same way)\n\n` +
      concurrencyTable(server.w3Paced, engine.w3Paced) +
      `\n\nLargest N of voice agents served in real time (no underrun, p95 first audio under 100 ms): ` +
      `voxwire ${server.maxRealtimeClientsPaced ?? 'none'}, raw engine ${engine.maxRealtimeClientsPaced ?? 'none'}.`,
  );
  sections.push(
    '**Formats** (W1, one socket; real-time factor from the decoded duration of what was received)\n\n' +
      table(
        ['format', 'first audio', 'real-time factor', 'errors'],
        server.formats.map((format) => [format.label, spread(format.firstAudioMs), spread(format.realTimeFactor, 4), String(format.errors)]),
      ),
  );
  sections.push(enginesSection(results.engines, settings.w1Sentences, settings.w1Passes));
  sections.push(hostileSection(server.hostile));
  sections.push(agentStreamSection(server.agentStream));
  sections.push(
    '**Memory** (server RSS)\n\n' +
      table(
        ['', 'MiB'],
        [
          ...server.memory.idle.map((entry) => [`${entry.sockets} idle sockets`, num(entry.rssMiB)]),
          ['per active stream (W3 peak at the largest N, above RSS just before it)', num(server.memory.perActiveStreamMiB, 3)],
          ['peak RSS over the run (VmHWM)', num(server.memory.peakRssMiB)],
        ],
      ),
  );
  return `${sections.join('\n\n')}\n`;
}
