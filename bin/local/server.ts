import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { localContext, toLambdaEvent } from './lambda-event.js';

/**
 * The local HTTP server: `/voice/*` goes to the voice handler and `/admin/*` (prefix removed, as a
 * function URL sees it) to the admin handler, each request as an HTTP API payload 2.0 event; every
 * other GET is the console's (its static files, `/` being `/index.html`, and `/config.json`).
 */
export type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

export type LocalHandlers = { voice: LambdaHttpHandler; admin: LambdaHttpHandler };

/** One static file of the console, as console/build.ts builds it. */
export type ConsoleFile = { contentType: string; body: Uint8Array };

/**
 * What the local server has of the console: its built files and the `/config.json` the app reads at
 * boot, or why there are none (the build failed or is missing: `/` then answers 503 with the reason).
 */
export type ConsoleSite =
  { kind: 'built'; files: ReadonlyMap<string, ConsoleFile>; config: unknown } | { kind: 'unavailable'; reason: string };

/** The console's answer to a GET of `path`, or undefined when the path is none of its. */
export function consoleAnswer(site: ConsoleSite | undefined, path: string): APIGatewayProxyStructuredResultV2 | undefined {
  const text = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
    statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body,
  });
  if (site === undefined) return path === '/' ? text(503, 'The console is still being built; reload in a moment.\n') : undefined;
  if (site.kind === 'unavailable')
    return path === '/' || path === '/index.html' || path === '/config.json'
      ? text(
          503,
          `The console is not available: ${site.reason}\nThe admin API (/admin/*) and the voice webhooks (/voice/*) work without it.\n`,
        )
      : undefined;
  // The files are rebuilt at every start: the browser asks again rather than keeping an old app.
  const headers = (contentType: string) => ({ 'content-type': contentType, 'cache-control': 'no-cache' });
  if (path === '/config.json') return { statusCode: 200, headers: headers('application/json'), body: JSON.stringify(site.config) };
  const file = site.files.get(path === '/' ? '/index.html' : path);
  if (file === undefined) return undefined;
  return { statusCode: 200, headers: headers(file.contentType), body: Buffer.from(file.body).toString('base64'), isBase64Encoded: true };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  // API Gateway tells the function the scheme the caller used; locally that is plain HTTP.
  headers['x-forwarded-proto'] ??= 'http';
  return headers;
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2 | undefined): void {
  const statusCode = result?.statusCode ?? 200;
  const headers = Object.fromEntries(Object.entries(result?.headers ?? {}).map(([name, value]) => [name, String(value)]));
  const body = result?.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  response.writeHead(statusCode, headers);
  response.end(body);
}

/** `site` is read at each request: the console may be built after the server started listening. */
export function createLocalServer(handlers: LocalHandlers, site: () => ConsoleSite | undefined = () => undefined): Server {
  return createServer((request, response) => {
    void (async () => {
      try {
        const url = new URL(request.url ?? '/', 'http://local');
        const rawQueryString = (request.url ?? '').includes('?') ? (request.url ?? '').slice((request.url ?? '').indexOf('?') + 1) : '';
        const body = await readBody(request);
        const parts = {
          method: request.method ?? 'GET',
          rawQueryString,
          headers: headersOf(request),
          body,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        };
        if (url.pathname.startsWith('/voice/')) {
          send(response, await handlers.voice(toLambdaEvent({ ...parts, rawPath: url.pathname }), localContext('voice')));
        } else if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) {
          send(
            response,
            await handlers.admin(toLambdaEvent({ ...parts, rawPath: url.pathname.slice('/admin'.length) || '/' }), localContext('admin')),
          );
        } else {
          const method = request.method ?? 'GET';
          const page = method === 'GET' || method === 'HEAD' ? consoleAnswer(site(), url.pathname) : undefined;
          send(
            response,
            page ?? {
              statusCode: 404,
              headers: { 'content-type': 'text/plain' },
              body: 'Not found: the console is at /, Twilio webhooks at /voice/*, the admin API at /admin/*\n',
            },
          );
        }
      } catch (error) {
        // A handler that throws would be a 502 from API Gateway; show the same here, with the cause on the console.
        console.error(error);
        send(response, { statusCode: 502, headers: { 'content-type': 'text/plain' }, body: 'handler failed\n' });
      }
    })();
  });
}
