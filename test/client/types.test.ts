/**
 * `voxwire/client` as a user gets it: built by the package's own client build, imported by name from a
 * separate strict TypeScript project (node_modules/voxwire linked to this package), compiled by tsc twice: as a
 * Node program (Node's types, no DOM) that then runs against a real server, and as a page (DOM, no Node types). The project also holds mistakes marked @ts-expect-error:
 * if the client's types were loose (a sample rate as any number, an error name as any string), tsc would
 * report the unused directive and the test would fail.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer } from '../conformance/server.js';
import { childSandbox, REPO_ROOT } from '../support/child-env.js';
import { DEFAULT_VOICE } from '../../src/voices/catalogue.js';
import { buildPageScripts } from '../support/page-scripts.js';

const execFileAsync = promisify(execFile);
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const USER_PROGRAM = `import { VoxwireApiError, VoxwireClient, VoxwireHttp, type AudioChunk, type SpeakRequest, type VoiceResource } from 'voxwire/client';

const [url, voice] = process.argv.slice(2) as [string, string];
const request: SpeakRequest = { voice_uuid: voice, data: 'Typed from a user project.', sample_rate: 16000, precision: 'PCM_16' };
// @ts-expect-error: 12345 is no sample rate of the contract
const wrongRate: SpeakRequest = { voice_uuid: voice, data: 'x', sample_rate: 12345 };
// @ts-expect-error: precision is one of four names
const wrongPrecision: SpeakRequest = { voice_uuid: voice, data: 'x', precision: 'PCM_8' };
void wrongRate;
void wrongPrecision;

const client = await VoxwireClient.connect({ url });
let samples = 0;
let characters = '';
for await (const chunk of client.speak(request)) {
  const typed: AudioChunk = chunk;
  samples += typed.samples().length;
  characters += typed.timestamps?.graph_chars.join('') ?? '';
}
let refused = '';
try {
  await client.speak({ voice_uuid: 'no-such-voice', data: 'x' }).done;
} catch (error) {
  if (error instanceof VoxwireApiError) {
    // @ts-expect-error: error names are the catalogue's, not any string
    if (error.errorName === 'NoSuchError') refused = 'impossible';
    else refused = error.errorName;
  }
}
client.close();
const voices: VoiceResource[] = await new VoxwireHttp({ url }).allVoices();
console.log(JSON.stringify({ samples, characters, refused, voices: voices.length }));
`;


const PAGE_PROGRAM = `import { VoxwireClient, decodeSamples } from 'voxwire/client';

const client = await VoxwireClient.connect({ url: location.origin, apiKey: 'k', apiKeyIn: 'query' });
const context = new AudioContext();
for await (const chunk of client.speak({ voice_uuid: 'v', data: 'A page.', no_audio_header: true, precision: 'PCM_16' })) {
  const buffer = context.createBuffer(1, chunk.samples().length, chunk.sampleRate);
  buffer.copyToChannel(decodeSamples(chunk.audio, 'PCM_16'), 0);
}
`;

it('a strict TypeScript project compiles against voxwire/client and runs it', async () => {
  await buildPageScripts();
  const sandbox = childSandbox();
  const server = await startTestServer({ workers: 1 });
  try {
    const project = path.join(sandbox.folder, 'user-project');
    mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    symlinkSync(REPO_ROOT, path.join(project, 'node_modules', 'voxwire'), 'dir');
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noUnusedLocals: true,
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      path.join(project, 'tsconfig.browser.json'),
      JSON.stringify({ extends: './tsconfig.json', compilerOptions: { lib: ['ES2022', 'DOM'], types: [], noEmit: true }, files: ['page.ts'] }),
    );
    symlinkSync(path.join(REPO_ROOT, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'), 'dir');
    writeFileSync(path.join(project, 'main.ts'), USER_PROGRAM);
    writeFileSync(path.join(project, 'page.ts'), PAGE_PROGRAM);
    for (const config of ['tsconfig.json', 'tsconfig.browser.json']) {
      const compiled = await execFileAsync(process.execPath, [TSC, '-p', path.join(project, config)]).catch((error: { stdout: string }) => assert.fail(`tsc -p ${config} failed:\n${error.stdout}`));
      assert.equal(compiled.stdout, '');
    }
    const { stdout } = await execFileAsync(process.execPath, [path.join(project, 'out', 'main.js'), server.url, DEFAULT_VOICE.uuid], { env: sandbox.env });
    const result = JSON.parse(stdout) as { samples: number; characters: string; refused: string; voices: number };
    assert.equal(result.characters, 'Typed from a user project.');
    assert.ok(result.samples > 16000 * 0.8, `${result.samples} samples`);
    assert.equal(result.refused, 'VoiceNotFound');
    assert.ok(result.voices > 0);
  } finally {
    await server.close();
    sandbox.remove();
  }
});
