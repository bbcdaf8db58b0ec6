/**
 * The layering of src/ (README, "Layers"): transport → protocol → synthesis → engines, audio below them, each
 * importing only what lies beneath it. Read from the real import statements of every file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkLayering, importGraph, layerOf, VOXWIRE_LAYERS } from './layers.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('layering of src/', () => {
  it('no file imports a layer above it, beside it, or one it may not know', () => {
    const graph = importGraph(SRC);
    assert.ok(graph.size > 50, `read ${graph.size} files`);
    assert.ok([...graph.values()].flat().length > 100, 'imports were read');
    const violations = checkLayering(graph, VOXWIRE_LAYERS);
    assert.deepEqual(violations.map((v) => `${v.from} → ${v.to}: ${v.reason}`), []);
  });

  it('places every layer the brief names where it belongs', () => {
    const rank = (file: string) => layerOf(file, VOXWIRE_LAYERS)?.rank ?? -1;
    const order = ['server/server.ts', 'protocol/errors.ts', 'synthesis/pipeline.ts', 'engines/engine.ts'].map(rank);
    assert.deepEqual([...order].sort((a, b) => b - a), order, 'transport above protocol above synthesis above engines');
    assert.ok(rank('audio/wav.ts') < rank('synthesis/pipeline.ts'), 'audio below synthesis');
    assert.ok(rank('voices/catalogue.ts') < rank('protocol/errors.ts') && rank('voices/catalogue.ts') > rank('engines/engine.ts'));
  });
});

describe('the layering check itself', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  const reasons = (edges: Record<string, string[]>) => checkLayering(graph(edges), VOXWIRE_LAYERS).map((v) => `${v.from} → ${v.to}: ${v.reason}`);

  it('accepts imports downwards and within a layer', () => {
    assert.deepEqual(
      reasons({
        'server/server.ts': ['protocol/errors.ts', 'synthesis/speech.ts', 'server/metrics.ts'],
        'protocol/errors.ts': ['synthesis/errors.ts'],
        'synthesis/pipeline.ts': ['engines/engine.ts', 'audio/pcm.ts', 'synthesis/errors.ts'],
        'engines/espeak/jobs.ts': ['audio/pcm.ts', 'engines/engine.ts'],
        'voices/catalogue.ts': ['engines/registry.ts'],
        'app.ts': ['server/server.ts', 'engines/registry.ts'],
      }),
      [],
    );
  });

  it('fails on each kind of wrong edge, naming the files and the layers', () => {
    assert.deepEqual(
      reasons({
        'synthesis/pipeline.ts': ['protocol/errors.ts'],
        'protocol/speech-job.ts': ['server/context.ts'],
        'engines/espeak/voices.ts': ['voices/catalogue.ts'],
        'audio/wav.ts': ['synthesis/alignment.ts'],
        'server/metrics.ts': ['engines/engine.ts'],
        'server/http/stream.ts': ['synthesis/render.ts', 'audio/wav.ts', 'synthesis/speech.ts'],
        'keys/store.ts': ['protocol/errors.ts'],
        'stray.ts': [],
      }),
      [
        'synthesis/pipeline.ts → protocol/errors.ts: synthesis imports protocol, a layer above it',
        'protocol/speech-job.ts → server/context.ts: protocol imports transport, a layer above it',
        'engines/espeak/voices.ts → voices/catalogue.ts: engines imports voices, a layer above it',
        'audio/wav.ts → synthesis/alignment.ts: audio imports synthesis, a layer above it',
        'server/metrics.ts → engines/engine.ts: transport may not import engines',
        'server/http/stream.ts → synthesis/render.ts: transport may not import synthesis except synthesis/speech.ts',
        'server/http/stream.ts → audio/wav.ts: transport may not import audio',
        'keys/store.ts → protocol/errors.ts: keys imports protocol, a layer beside it',
        'stray.ts → stray.ts: belongs to no layer',
      ],
    );
  });

  it('reads type-only, re-exported, side-effect and dynamic imports from files as edges', () => {
    const root = mkdtempSync(join(tmpdir(), 'voxwire-layers-'));
    try {
      mkdirSync(join(root, 'audio'));
      writeFileSync(
        join(root, 'audio', 'leaky.ts'),
        [
          "import type { A } from '../synthesis/a.js';",
          "export { b } from '../synthesis/b.js';",
          "export const c = () => import('../synthesis/c.js');",
          "import '../protocol/d.js';",
          "import { readFileSync } from 'node:fs';",
          "import { e } from './e.js';",
        ].join('\n'),
      );
      const edges = importGraph(root);
      assert.deepEqual(edges.get('audio/leaky.ts'), ['synthesis/a.ts', 'synthesis/b.ts', 'synthesis/c.ts', 'protocol/d.ts', 'audio/e.ts']);
      assert.deepEqual(checkLayering(edges, VOXWIRE_LAYERS).map((v) => v.to), ['synthesis/a.ts', 'synthesis/b.ts', 'synthesis/c.ts', 'protocol/d.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
