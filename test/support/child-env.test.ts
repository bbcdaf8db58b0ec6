/**
 * The sandbox every spawned `voxwire` runs in, tried against a user who already uses voxwire: a key stored in
 * the default data folder of their HOME, VOXWIRE_API_KEYS and VOXWIRE_PORT exported, and VOXWIRE_CONFIG naming
 * a file with other values. Without the sandbox each of these changes what the child does (the control below
 * shows the fake HOME is where voxwire looks by default); with it the child behaves as on a fresh machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { KeyStore } from '../../src/keys/store.js';
import { DEFAULT_VOICE, TestClient } from '../conformance/client.js';
import { startChildServer } from '../reliability/child-server.js';
import { VOXWIRE_BIN, childSandbox } from './child-env.js';

const run = promisify(execFile);

describe('a spawned voxwire ignores the user’s own voxwire set-up', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'voxwire-fake-home-'));
  const userKeyFolder = path.join(home, '.local', 'share', 'voxwire');
  const userConfig = path.join(home, 'voxwire.json');
  const hostile: NodeJS.ProcessEnv = { ...process.env, HOME: home, VOXWIRE_API_KEYS: 'x', VOXWIRE_PORT: '1', VOXWIRE_CONFIG: userConfig };
  delete hostile['XDG_DATA_HOME'];
  let userKey: string;

  before(async () => {
    const store = await KeyStore.open({ kind: 'sqlite', dataDir: userKeyFolder });
    userKey = (await store.create('me')).key;
    await store.close();
    // Each of these would show in a child that read the file: another port, another key, unparseable logs.
    writeFileSync(userConfig, JSON.stringify({ port: 2, apiKeys: ['from-config'], logFormat: 'pretty', heartbeatMs: 100 }));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('control: without the sandbox, `voxwire keys list` finds the user’s key in the fake HOME', async () => {
    const { stdout } = await run(process.execPath, [VOXWIRE_BIN, 'keys', 'list'], { env: hostile });
    assert.match(stdout, /\bme\b.*active/);
  });

  it('the sandbox’s environment has no VOXWIRE_* but what the test sets, and a data folder of its own', async () => {
    const sandbox = childSandbox({ VOXWIRE_LOG_LEVEL: 'debug' }, hostile);
    assert.deepEqual(Object.keys(sandbox.env).filter((name) => name.startsWith('VOXWIRE_')), ['VOXWIRE_LOG_LEVEL']);
    assert.equal(sandbox.env['HOME'], home, 'everything else is inherited');
    assert.ok(!sandbox.dataDir.startsWith(home));
    assert.deepEqual(sandbox.args('keys', 'list').slice(1), ['keys', '--data-dir', sandbox.dataDir, 'list']);
    assert.deepEqual(sandbox.args('say', 'Hi').slice(1), ['say', 'Hi'], 'say takes no --data-dir');
    const { stdout } = await run(process.execPath, sandbox.args('keys', 'list'), { env: sandbox.env });
    assert.match(stdout, /^No keys\./);
    // Even without --data-dir the default data folder is the sandbox's, not the user's.
    const bare = await run(process.execPath, [VOXWIRE_BIN, 'keys', 'list'], { env: sandbox.env });
    assert.match(bare.stdout, /^No keys\./);
    sandbox.remove();
    assert.equal(existsSync(sandbox.folder), false, 'the sandbox is removed');
  });

  it('`voxwire serve` in the sandbox: any free port, no authentication, JSON logs, whatever the user set', async () => {
    const child = await startChildServer(['--workers', '1'], {}, hostile);
    try {
      const port = Number(new URL(child.httpUrl).port);
      assert.ok(port !== 1 && port !== 2, `listens on a free port, not VOXWIRE_PORT or the config's: ${port}`);
      assert.ok(
        child.logLines().some((line) => line['msg'] === 'voxwire listening without API keys: loopback clients only'),
        'neither the stored key nor VOXWIRE_API_KEYS nor the config file switched authentication on',
      );
      const keyless: Record<string, string>[] = [{}, { authorization: `Bearer ${userKey}` }];
      for (const headers of keyless) {
        const client = await TestClient.connect(child.streamUrl, headers);
        client.send({ voice_uuid: DEFAULT_VOICE.uuid, data: 'Nobody asked me for a key.' });
        assert.equal((await client.waitForTerminals(1))[0]!.type, 'audio_end');
        client.close();
      }
      child.process.kill('SIGTERM');
      assert.equal(await child.exited, 0);
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});
