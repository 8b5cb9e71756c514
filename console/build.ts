import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync, type BuildOptions, type OutputFile } from 'esbuild';

/**
 * The console's static files, built with esbuild: `/index.html`, `/app.js` (Preact and the pages,
 * minified, one file) and `/app.css`. The app reads its settings at boot from `/config.json`, which
 * whoever serves these files answers (the local server, or the deployment's bucket).
 */
export type ConsoleFile = { contentType: string; body: Uint8Array };

const here = dirname(fileURLToPath(import.meta.url));

const options: BuildOptions = {
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: '/',
  write: false,
  legalComments: 'none',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

function filesOf(outputs: readonly OutputFile[]): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  files.set('/index.html', { contentType: CONTENT_TYPES['.html'] ?? '', body: readFileSync(join(here, 'index.html')) });
  for (const output of outputs) {
    // outdir '/' makes each output's path its URL path (esbuild names them after the entry: app.js, app.css).
    const path = output.path.replace(/\\/g, '/').replace(/^[A-Za-z]:/, '');
    const extension = /\.[a-z]+$/.exec(path)?.[0] ?? '';
    files.set(path, { contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream', body: output.contents });
  }
  return files;
}

/** The console's files by URL path (`/index.html`, `/app.js`, `/app.css`), built in memory. */
export async function buildConsole(): Promise<Map<string, ConsoleFile>> {
  const result = await build(options);
  return filesOf(result.outputFiles ?? []);
}

/** The same files written to `outDir`, synchronously (CDK's local bundling cannot wait for a promise). */
export function buildConsoleSync(outDir: string): void {
  const result = buildSync(options);
  for (const [path, file] of filesOf(result.outputFiles ?? [])) {
    const target = join(outDir, ...path.split('/').filter((part) => part !== ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.body);
  }
}
