/**
 * Configuration as an operator meets it: `voxwire serve` run as a child process with a bad setting from each
 * source names that setting and exits with 2; `--help` and the README list every setting.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SETTINGS } from '../../src/config/settings.js';
import { REPO_ROOT, childSandbox } from '../support/child-env.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'voxwire-config-'));

function serve(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const sandbox = childSandbox(env);
  try {
    const result = spawnSync(process.execPath, sandbox.args('serve', ...args), { cwd: REPO_ROOT, env: sandbox.env, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    sandbox.remove();
  }
}

function configFile(name: string, content: unknown): string {
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('voxwire serve settings', () => {
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('a bad flag names the flag and the value, and exits with 2 before listening', () => {
    const result = serve(['--port', 'abc']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^voxwire: --port must be a whole number from 0 to 65535; got "abc"\.$/m);
    assert.equal(result.stdout, '', 'nothing started');
  });

  it('a bad environment variable names the variable', () => {
    const result = serve([], { VOXWIRE_PORT: 'abc' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /VOXWIRE_PORT must be a whole number/);
  });

  it('a bad config file key names the key and the file', () => {
    const file = configFile('bad-port.json', { port: 'abc' });
    const result = serve(['--config', file]);
    assert.equal(result.status, 2);
    assert.ok(result.stderr.includes(`"port" in ${file} must be a whole number`), result.stderr);
    const unknown = serve(['--config', configFile('unknown.json', { prot: 9000 })]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown setting "prot"/);
  });

  it('the new settings are checked like the others', () => {
    const format = serve(['--log-format', 'loud']);
    assert.equal(format.status, 2);
    assert.match(format.stderr, /--log-format must be one of auto, json, pretty; got "loud"/);
    const metricsPort = serve([], { VOXWIRE_METRICS_PORT: '70000' });
    assert.equal(metricsPort.status, 2);
    assert.match(metricsPort.stderr, /VOXWIRE_METRICS_PORT must be a whole number from 0 to 65535; got "70000"/);
    const mapping = serve(['--openai-voices', 'alloy']);
    assert.equal(mapping.status, 2);
    assert.match(mapping.stderr, /--openai-voices: each item must be name=voice/);
    const unknownVoice = serve([], { VOXWIRE_OPENAI_VOICES: 'alloy=nobody' });
    assert.notEqual(unknownVoice.status, 0);
    assert.match(unknownVoice.stderr, /^voxwire: --openai-voices: "alloy" names the voice "nobody"/m);
  });

  it('`voxwire serve --help` lists every setting with its flag, variable and default', () => {
    const result = serve(['--help']);
    assert.equal(result.status, 0);
    for (const spec of Object.values(SETTINGS)) {
      assert.ok(result.stdout.includes(spec.flag), `--help lists ${spec.flag}`);
      assert.ok(result.stdout.includes(spec.env), `--help lists ${spec.env}`);
    }
    assert.equal(result.stdout.match(/ default /g)?.length, Object.keys(SETTINGS).length);
  });

  it('the README table has a row for every setting', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const spec of Object.values(SETTINGS)) {
      assert.match(readme, new RegExp(`^\\| \`${spec.flag}\` \\| \`${spec.env}\` \\|`, 'm'), `README row for ${spec.flag}`);
    }
  });
});
