/**
 * The playground page (protocol.md section 8) at `GET /`: static files of the package, read as they are asked
 * for, never built at start. The HTML and CSS are written as they are (src/playground); the scripts are the
 * client library and the page's modules that `npm run build` compiled (dist/src/client, dist/src/playground).
 * They need no key: the page holds nothing but code, and it is where a visitor types the key. The browser
 * rules of section 5 were applied before a request gets here (a page's module scripts come with the server's
 * own Origin); the page's own Content-Security-Policy lets it load only its own files and talk only to its
 * own server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageRoutes {
  /** Answers the request when it asks for one of the page's files; returns false otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/** The package's root: the nearest folder above this module holding voxwire's package.json (src/ or dist/src/). */
function packageRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'voxwire') return folder;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('voxwire: cannot find the package root for the playground files');
    folder = parent;
  }
}

const ROOT = packageRoot();
const SOURCE = path.join(ROOT, 'src', 'playground');
const BUILT = path.join(ROOT, 'dist', 'src');

/**
 * What the page may do: its own scripts, styles and images, fetch and WebSocket to its own server ('self'
 * covers ws: and wss: of the same host), audio from blob: URLs (MP3 playback through MediaSource), no frames.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** A page path to its file; only these names, so no request can reach another file. */
function fileFor(pathname: string): string | undefined {
  if (pathname === '/' || pathname === '/index.html') return path.join(SOURCE, 'index.html');
  if (pathname === '/assets/style.css') return path.join(SOURCE, 'style.css');
  const script = /^\/assets\/(client|playground)\/([a-z][a-z0-9-]*)\.js$/.exec(pathname);
  return script === null ? undefined : path.join(BUILT, script[1]!, `${script[2]!}.js`);
}

export function createPageRoutes(): PageRoutes {
  return {
    handle(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const file = fileFor(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (file === undefined) return false;
      readFile(file).then(
        (body) => {
          response.writeHead(200, { 'Content-Type': TYPES[path.extname(file)]!, 'Content-Length': body.length, 'Content-Security-Policy': PAGE_CSP });
          response.end(request.method === 'HEAD' ? undefined : body);
        },
        () => {
          const body = `${path.relative(ROOT, file)} is missing: the playground's scripts are built by \`npm run build\`.\n`;
          response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
          response.end(body);
        },
      );
      return true;
    },
  };
}
