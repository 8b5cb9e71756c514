import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildConsole, buildConsoleSync } from '../../console/build.js';

/** The console's files: what is served, and the script's weight on the first load. */
const SCRIPT_BUDGET_GZIP_BYTES = 100 * 1024;

describe('buildConsole', () => {
  it('builds index.html, app.js and app.css, the script within 100 KB gzip', async () => {
    // Act
    const files = await buildConsole();

    // Assess
    expect([...files.keys()].sort()).toEqual(['/app.css', '/app.js', '/index.html']);
    expect(files.get('/index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(files.get('/app.js')?.contentType).toBe('text/javascript; charset=utf-8');
    const html = Buffer.from(files.get('/index.html')?.body ?? []).toString();
    expect(html).toContain('src="app.js"');
    expect(html).toContain('href="app.css"');
    // Every script the first load runs: index.html names app.js alone, and the bundle imports nothing else.
    const script = files.get('/app.js')?.body ?? new Uint8Array();
    // An import statement (`import{a}from"./x.js"`, `import"./x.js"`) or a dynamic import(); the word
    // "from" alone is the page's own text (the Reports page's From field).
    expect(Buffer.from(script).toString()).not.toMatch(/\bimport\s*\(|(?:^|[;}\n])\s*import\s*(?:[{*\w][^;]*?\bfrom\s*)?"/);
    const gzipped = gzipSync(script, { level: 9 }).byteLength;
    console.log(`console script: ${script.byteLength} bytes minified, ${gzipped} bytes gzip (budget ${SCRIPT_BUDGET_GZIP_BYTES})`);
    expect(gzipped).toBeLessThanOrEqual(SCRIPT_BUDGET_GZIP_BYTES);
  });

  it('writes the same files to a folder, synchronously', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'console-build-'));
    try {
      buildConsoleSync(folder);
      const files = await buildConsole();
      expect(readdirSync(folder).sort()).toEqual(['app.css', 'app.js', 'index.html']);
      for (const [path, file] of files) expect(readFileSync(join(folder, path)).equals(Buffer.from(file.body))).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
