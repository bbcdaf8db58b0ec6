/**
 * One configuration model for the server: every setting is declared once here with its flag, environment
 * variable, default and validation. Precedence: flags > environment (VOXWIRE_*) > config file > defaults.
 * A bad value stops the start with an error that names the setting and says what it accepts.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeVoiceMapping } from '../protocol/openai-voices.js';
import { normalizeOrigin } from '../server/browser-rules.js';

type Kind = 'string' | 'integer' | 'list' | 'boolean';

interface SettingSpec<K extends Kind> {
  readonly kind: K;
  readonly flag: string;
  readonly env: string;
  readonly description: string;
  readonly fallback: () => KindValue<K>;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** A string setting's form, and how the error message describes it. */
  readonly form?: { readonly pattern: RegExp; readonly expected: string };
  /** Normalizes each item of a list, or returns undefined for an item it refuses. */
  readonly item?: { readonly normalize: (item: string) => string | undefined; readonly expected: string };
}

type KindValue<K extends Kind> = K extends 'integer' ? number : K extends 'list' ? string[] : K extends 'boolean' ? boolean : string;

function setting<K extends Kind>(spec: SettingSpec<K>): SettingSpec<K> {
  return spec;
}

export const SETTINGS = {
  host: setting({ kind: 'string', flag: '--host', env: 'VOXWIRE_HOST', description: 'Address to listen on (without API keys only loopback is allowed)', fallback: () => '127.0.0.1' }),
  port: setting({ kind: 'integer', flag: '--port', env: 'VOXWIRE_PORT', description: 'TCP port (0 = any free port)', fallback: () => 8080, min: 0, max: 65535 }),
  apiKeys: setting({ kind: 'list', flag: '--api-keys', env: 'VOXWIRE_API_KEYS', description: 'Comma-separated API keys accepted besides the key store', fallback: () => [] }),
  allowedOrigins: setting({
    kind: 'list',
    flag: '--allowed-origins',
    env: 'VOXWIRE_ALLOWED_ORIGINS',
    description: 'Comma-separated web origins (https://app.example.com) whose pages may call the server; others are refused 403',
    fallback: () => [],
    item: { normalize: normalizeOrigin, expected: 'an origin such as https://app.example.com (scheme, host, optional port; no path)' },
  }),
  dataDir: setting({ kind: 'string', flag: '--data-dir', env: 'VOXWIRE_DATA_DIR', description: 'Folder of the key store, the voice library (with design samples) and the voice models (voices/piper, voices/kokoro)', fallback: defaultDataDir }),
  databaseUrl: setting({
    kind: 'string',
    flag: '--database-url',
    env: 'VOXWIRE_DATABASE_URL',
    description: 'postgres://user:password@host/db: keep the stores in PostgreSQL, shared by every node (default: SQLite in --data-dir)',
    fallback: () => '',
    form: { pattern: /^(?:$|postgres(?:ql)?:\/\/)/, expected: 'a postgres:// or postgresql:// URL' },
  }),
  redisUrl: setting({
    kind: 'string',
    flag: '--redis-url',
    env: 'VOXWIRE_REDIS_URL',
    description: 'redis://host:port: count --per-key-connections across every node sharing this Redis (default: per node)',
    fallback: () => '',
    form: { pattern: /^(?:$|rediss?:\/\/)/, expected: 'a redis:// or rediss:// URL' },
  }),
  workers: setting({ kind: 'integer', flag: '--workers', env: 'VOXWIRE_WORKERS', description: 'Engine worker threads', fallback: () => Math.max(1, os.availableParallelism()), min: 1, max: 64 }),
  onnxProviders: setting({
    kind: 'list',
    flag: '--onnx-providers',
    env: 'VOXWIRE_ONNX_PROVIDERS',
    description: 'onnxruntime execution providers of the Piper and Kokoro engines, in order of preference (cuda needs the runtime\'s CUDA build)',
    fallback: () => ['cpu'],
    item: { normalize: (item) => (['cpu', 'cuda', 'dml', 'coreml'].includes(item.toLowerCase()) ? item.toLowerCase() : undefined), expected: 'cpu, cuda, dml or coreml' },
  }),
  perKeyConnections: setting({ kind: 'integer', flag: '--per-key-connections', env: 'VOXWIRE_PER_KEY_CONNECTIONS', description: 'Open connections allowed per API key', fallback: () => 20, min: 1, max: 100000 }),
  globalConnections: setting({ kind: 'integer', flag: '--global-connections', env: 'VOXWIRE_GLOBAL_CONNECTIONS', description: 'Open connections allowed in all', fallback: () => 200, min: 1, max: 1000000 }),
  shutdownGraceMs: setting({ kind: 'integer', flag: '--shutdown-grace-ms', env: 'VOXWIRE_SHUTDOWN_GRACE_MS', description: 'Time running requests get to finish on shutdown', fallback: () => 10000, min: 0, max: 600000 }),
  heartbeatMs: setting({ kind: 'integer', flag: '--heartbeat-ms', env: 'VOXWIRE_HEARTBEAT_MS', description: 'Ping interval; a client silent for a whole interval is dropped', fallback: () => 30000, min: 100, max: 3600000 }),
  logLevel: setting({ kind: 'string', flag: '--log-level', env: 'VOXWIRE_LOG_LEVEL', description: 'Log level', fallback: () => 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }),
  logFormat: setting({ kind: 'string', flag: '--log-format', env: 'VOXWIRE_LOG_FORMAT', description: 'Log lines: json, pretty, or auto (pretty when stdout is a terminal)', fallback: () => 'auto', choices: ['auto', 'json', 'pretty'] }),
  openaiVoices: setting({
    kind: 'list',
    flag: '--openai-voices',
    env: 'VOXWIRE_OPENAI_VOICES',
    description: 'Comma-separated name=voice entries (alloy=Ava) mapping OpenAI voice names onto voice uuids or names (over the built-in table)',
    fallback: () => [],
    item: { normalize: normalizeVoiceMapping, expected: 'name=voice, the voice a uuid or name (alloy=Ava)' },
  }),
  metricsPort: setting({ kind: 'integer', flag: '--metrics-port', env: 'VOXWIRE_METRICS_PORT', description: 'Second port serving only /metrics, /health and /ready (0 = none; they are on the main port anyway)', fallback: () => 0, min: 0, max: 65535 }),
  config: setting({ kind: 'string', flag: '--config', env: 'VOXWIRE_CONFIG', description: 'JSON config file with any of these settings (by name)', fallback: () => '' }),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings = { readonly [N in SettingName]: KindValue<(typeof SETTINGS)[N]['kind']> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function defaultDataDir(): string {
  const base = process.env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'voxwire');
}

/** Reads settings from command-line arguments, the environment and an optional JSON file. */
export function loadSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const flags = parseFlags(argv);
  const configPath = flags.get('config') ?? env[SETTINGS.config.env] ?? '';
  const file = configPath ? readConfigFile(configPath) : {};
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec<Kind>][]) {
    const fromFlag = flags.get(name);
    const fromEnv = env[spec.env];
    const fromFile = file[name];
    if (fromFlag !== undefined) result[name] = convert(spec, fromFlag, `${spec.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') result[name] = convert(spec, fromEnv, spec.env);
    else if (fromFile !== undefined) result[name] = convert(spec, fromFile, `"${name}" in ${configPath}`);
    else result[name] = spec.fallback();
  }
  return result as Settings;
}

function parseFlags(argv: readonly string[]): Map<SettingName, string> {
  const byFlag = new Map<string, SettingName>(Object.entries(SETTINGS).map(([name, spec]) => [spec.flag, name as SettingName]));
  const flags = new Map<SettingName, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = byFlag.get(flag);
    if (name === undefined) throw new ConfigError(`Unknown option ${flag}; \`voxwire serve --help\` lists the settings.`);
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i += 1;
    if (value === undefined) throw new ConfigError(`${flag} needs a value.`);
    flags.set(name, value);
  }
  return flags;
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${file} could not be read as JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`Config file ${file} must hold a JSON object.`);
  for (const key of Object.keys(parsed)) {
    if (!(key in SETTINGS)) throw new ConfigError(`Config file ${file} has an unknown setting "${key}".`);
  }
  return parsed as Record<string, unknown>;
}

function convert(spec: SettingSpec<Kind>, raw: unknown, source: string): unknown {
  switch (spec.kind) {
    case 'integer': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw new ConfigError(`${source} must be a whole number from ${spec.min} to ${spec.max}; got ${JSON.stringify(raw)}.`);
      }
      return value;
    }
    case 'list': {
      let items: string[];
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) items = raw;
      else if (typeof raw === 'string') items = raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
      else throw new ConfigError(`${source} must be a comma-separated list; got ${JSON.stringify(raw)}.`);
      if (spec.item === undefined) return items;
      const check = spec.item;
      return items.map((item) => {
        const normalized = check.normalize(item);
        if (normalized === undefined) throw new ConfigError(`${source}: each item must be ${check.expected}; got ${JSON.stringify(item)}.`);
        return normalized;
      });
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(`${source} must be true or false; got ${JSON.stringify(raw)}.`);
    case 'string':
      if (typeof raw !== 'string') throw new ConfigError(`${source} must be a string; got ${JSON.stringify(raw)}.`);
      if (spec.choices && !spec.choices.includes(raw)) throw new ConfigError(`${source} must be one of ${spec.choices.join(', ')}; got "${raw}".`);
      // The value itself is not shown: a database URL may hold a password.
      if (spec.form && !spec.form.pattern.test(raw)) throw new ConfigError(`${source} must be ${spec.form.expected}.`);
      return raw;
  }
}

/** The settings table, for `voxwire serve --help` and the README. */
export function describeSettings(): string {
  const rows = Object.entries(SETTINGS).map(([name, spec]) => {
    let fallback: unknown;
    try {
      fallback = spec.fallback();
    } catch {
      fallback = '';
    }
    const shown = Array.isArray(fallback) ? fallback.join(',') || '(none)' : String(fallback) || '(none)';
    return `  ${`${spec.flag} <${spec.kind}>`.padEnd(36)} ${spec.env.padEnd(30)} default ${shown}\n      ${spec.description}`;
  });
  return rows.join('\n');
}
