import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalServer, type ConsoleSite, type LocalHandlers } from '../../bin/local/server.js';
import { LOCAL_CONSOLE_CONFIG, loadConsoleSite } from '../../bin/local/stack.js';

/** Handlers that say which one answered, so the console's routes are seen not to take theirs. */
const handlers: LocalHandlers = {
  voice: async (event) => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `voice ${event.rawPath}` }),
  admin: async (event) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: event.rawPath }),
  }),
};

const file = (contentType: string, text: string) => ({ contentType, body: new TextEncoder().encode(text) });
const FILES = new Map([
  [
    '/index.html',
    file('text/html; charset=utf-8', '<!doctype html><title>Queue groups</title><script type="module" src="/app.js"></script>'),
  ],
  ['/app.js', file('text/javascript; charset=utf-8', 'console.log("app")')],
]);

/** The local server on a free port of 127.0.0.1, serving `site`. */
async function serve(site: ConsoleSite | undefined): Promise<{ server: Server; url: string }> {
  const server = createLocalServer(handlers, () => site);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the local server serves the console', () => {
  let running: Server | undefined;

  afterEach(async () => {
    running?.closeAllConnections();
    await new Promise<void>((resolve) => (running === undefined ? resolve() : running.close(() => resolve())));
    running = undefined;
  });

  it('answers / with index.html, the built files with their types, and /config.json for the same-origin admin API without sign-in', async () => {
    const site = await loadConsoleSite(async () => FILES);
    const { server, url } = await serve(site);
    running = server;

    const index = await fetch(`${url}/`);
    const script = await fetch(`${url}/app.js`);
    const config = await fetch(`${url}/config.json`);

    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Queue groups</title>');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("app")');
    expect(config.headers.get('content-type')).toBe('application/json');
    expect(await config.json()).toEqual({ adminUrl: '/admin', auth: { kind: 'none' } });
    expect(LOCAL_CONSOLE_CONFIG).toEqual({ adminUrl: '/admin', auth: { kind: 'none' } });
  });

  it('leaves /voice/* and /admin/* to their handlers, and answers 404 for other paths and methods', async () => {
    const { server, url } = await serve(await loadConsoleSite(async () => FILES));
    running = server;

    const voice = await fetch(`${url}/voice/incoming`, { method: 'POST', body: 'CallSid=CA1' });
    const admin = await fetch(`${url}/admin/users`);
    const missing = await fetch(`${url}/nothing.js`);
    const posted = await fetch(`${url}/`, { method: 'POST', body: '' });

    expect(await voice.text()).toBe('voice /voice/incoming');
    expect(await admin.json()).toEqual({ path: '/users' });
    expect(missing.status).toBe(404);
    expect(posted.status).toBe(404);
  });

  it('answers / with a clear 503 when the console could not be built, and everything else still works', async () => {
    const site = await loadConsoleSite(async () => {
      throw new Error("Cannot find module 'console/build.ts'");
    });
    const { server, url } = await serve(site);
    running = server;

    const index = await fetch(`${url}/`);
    const admin = await fetch(`${url}/admin/users`);

    expect(site).toEqual({ kind: 'unavailable', reason: "the console could not be built (Cannot find module 'console/build.ts')" });
    expect(index.status).toBe(503);
    expect(index.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await index.text()).toContain(
      "The console is not available: the console could not be built (Cannot find module 'console/build.ts')",
    );
    expect(admin.status).toBe(200);
  });

  it('answers / with 503 while the console is still being built', async () => {
    const { server, url } = await serve(undefined);
    running = server;

    const index = await fetch(`${url}/`);

    expect(index.status).toBe(503);
    expect(await index.text()).toContain('still being built');
  });

  it("builds the real console (console/build.ts) with an index.html that loads the app's script", async () => {
    const site = await loadConsoleSite();

    expect(site.kind).toBe('built');
    const files = site.kind === 'built' ? site.files : new Map();
    expect(files.get('/index.html')?.contentType).toMatch(/^text\/html/);
    expect([...files.keys()]).toContain('/app.js');
  });
});
