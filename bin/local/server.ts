import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { localContext, toLambdaEvent } from './lambda-event.js';

/**
 * The local HTTP server: `/voice/*` goes to the voice handler and `/admin/*` (prefix removed, as a
 * function URL sees it) to the admin handler, each request as an HTTP API payload 2.0 event.
 */
export type LambdaHttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

export type LocalHandlers = { voice: LambdaHttpHandler; admin: LambdaHttpHandler };

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

export function createLocalServer(handlers: LocalHandlers): Server {
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
          send(response, {
            statusCode: 404,
            headers: { 'content-type': 'text/plain' },
            body: 'Not found: use /voice/* for Twilio webhooks and /admin/* for the admin API\n',
          });
        }
      } catch (error) {
        // A handler that throws would be a 502 from API Gateway; show the same here, with the cause on the console.
        console.error(error);
        send(response, { statusCode: 502, headers: { 'content-type': 'text/plain' }, body: 'handler failed\n' });
      }
    })();
  });
}
