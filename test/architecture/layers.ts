/**
 * The layers of src/ and the rule between them, as data, with the checker the layering test runs on the
 * real tree and on synthetic graphs. A file may import its own layer or a layer of lower rank; layers that
 * share a rank are independent of each other; `forbidden` lists the downward edges that are still wrong:
 * the transport knows nothing of engines or of the audio layer, and reaches synthesis only through its facade.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface Layer {
  readonly name: string;
  /** Higher ranks sit above lower ones and may import them. */
  readonly rank: number;
  /** Paths relative to src/: a folder ends with '/', anything else is one file. */
  readonly paths: readonly string[];
}

/** Layer `from` may not import layer `to`, though `to` ranks lower, except the files listed in `except`. */
export interface ForbiddenEdge {
  readonly from: string;
  readonly to: string;
  readonly except?: readonly string[];
}

export interface LayerRules {
  readonly layers: readonly Layer[];
  readonly forbidden: readonly ForbiddenEdge[];
}

export const VOXWIRE_LAYERS: LayerRules = {
  layers: [
    // Wires the layers together: reads settings, starts engines and the server, runs commands.
    { name: 'composition', rank: 6, paths: ['app.ts', 'cli/', 'config/'] },
    // Cluster mode: the transport's ConnectionGate shared through Redis, and its gauges; wired by the composition.
    { name: 'cluster', rank: 5.5, paths: ['cluster/'] },
    { name: 'transport', rank: 5, paths: ['server/'] },
    // The playground's scripts (run in the browser) and the typed client they use: they speak to a server over
    // the wire and share nothing with it but the wire's types.
    { name: 'playground', rank: 4.8, paths: ['playground/'] },
    { name: 'client', rank: 4.7, paths: ['client/'] },
    // The voice library: user voices and designs in the database, their samples rendered through synthesis;
    // it refuses with the catalogue's errors, so it sits above the protocol and below the transport.
    { name: 'library', rank: 4.5, paths: ['library/'] },
    { name: 'protocol', rank: 4, paths: ['protocol/'] },
    // Who may connect: used by the transport, knows nothing of requests or speech.
    { name: 'keys', rank: 4, paths: ['keys/'] },
    // The catalogue names voices of the registered engines; the protocol reaches it only through its own
    // VoiceDirectory interface, handed in by the composition.
    { name: 'voices', rank: 3, paths: ['voices/'] },
    { name: 'synthesis', rank: 2, paths: ['synthesis/'] },
    { name: 'engines', rank: 1, paths: ['engines/'] },
    // Resampling, encoding, containers: pure signal code that engines (gain, PCM conversion) and synthesis use.
    { name: 'audio', rank: 0, paths: ['audio/'] },
    // The SQL databases (SQLite, PostgreSQL) and their migrations: knows nothing of what the stores keep.
    { name: 'storage', rank: 0.5, paths: ['storage/'] },
  ],
  forbidden: [
    { from: 'transport', to: 'engines' },
    { from: 'transport', to: 'audio' },
    { from: 'transport', to: 'synthesis', except: ['synthesis/speech.ts'] },
    // Browsers load the client: it may know the wire's types (protocol/wire.ts), nothing of the server's code.
    { from: 'client', to: 'protocol', except: ['protocol/wire.ts'] },
    { from: 'client', to: 'library' },
    { from: 'playground', to: 'protocol' },
    { from: 'playground', to: 'library' },
  ],
};

export interface Violation {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** The layer a file (relative to src/) belongs to: the longest matching path wins. */
export function layerOf(file: string, rules: LayerRules): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of rules.layers) {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && (best === undefined || path.length > best.length)) best = { layer, length: path.length };
    }
  }
  return best?.layer;
}

/** Every import edge that breaks the rules, and every file that belongs to no layer. */
export function checkLayering(graph: ReadonlyMap<string, readonly string[]>, rules: LayerRules): Violation[] {
  const violations: Violation[] = [];
  const forbidden = new Map(rules.forbidden.map((edge) => [`${edge.from}→${edge.to}`, edge]));
  for (const [from, imports] of graph) {
    const source = layerOf(from, rules);
    if (source === undefined) {
      violations.push({ from, to: from, reason: 'belongs to no layer' });
      continue;
    }
    for (const to of imports) {
      const target = layerOf(to, rules);
      if (target === undefined || target === source) continue;
      if (target.rank > source.rank) violations.push({ from, to, reason: `${source.name} imports ${target.name}, a layer above it` });
      else if (target.rank === source.rank) violations.push({ from, to, reason: `${source.name} imports ${target.name}, a layer beside it` });
      else {
        const edge = forbidden.get(`${source.name}→${target.name}`);
        if (edge !== undefined && !(edge.except ?? []).includes(to)) {
          violations.push({ from, to, reason: `${source.name} may not import ${target.name}${edge.except ? ` except ${edge.except.join(', ')}` : ''}` });
        }
      }
    }
  }
  return violations;
}

/**
 * The import graph of a source folder: each .ts file (relative path) with the files it imports, statically,
 * as types, re-exported or dynamically (`import()`), as TypeScript's own scanner reads them. Packages and
 * node: modules are left out; `./x.js` names the source file `x.ts`.
 */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    const imports = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts'));
    graph.set(file, imports);
  }
  return graph;
}

function sourceFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split('\\').join('/'))
    .sort();
}
