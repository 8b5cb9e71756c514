import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Simulation } from './engine.js';

/**
 * A fake of the parts of Twilio's REST API the project calls, validated the way Twilio validates
 * them (credentials, account, call and queue ids, allowed fields and values), acting on the running
 * simulation. The project reaches it through TWILIO_API_BASE_URL.
 */
export type RestRequestRecord = { method: string; path: string; params: Record<string, string>; status: number; error?: string };

type Answer = { status: number; body: Record<string, unknown> };

const CALL_FIELDS = new Set(['Url', 'Method', 'Twiml', 'Status', 'FallbackUrl', 'FallbackMethod', 'StatusCallback', 'StatusCallbackMethod', 'TimeLimit']);
const MEMBER_FIELDS = new Set(['Url', 'Method']);
/** Twilio's limit on TwiML sent inline with a call update. */
export const MAX_INLINE_TWIML = 4000;

function error(status: number, code: number, message: string): Answer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

function absoluteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function unknownField(params: Record<string, string>, allowed: ReadonlySet<string>): Answer | undefined {
  const unknown = Object.keys(params).find((name) => !allowed.has(name));
  return unknown === undefined ? undefined : error(400, 20001, `Unknown parameter: ${unknown}`);
}

function badMethod(params: Record<string, string>, field: string): Answer | undefined {
  const value = params[field];
  return value === undefined || value === 'GET' || value === 'POST' ? undefined : error(400, 21205, `${field} must be GET or POST, not ${value}`);
}

export class FakeTwilioApi {
  readonly requests: RestRequestRecord[] = [];
  /** The base URL once listening, for TWILIO_API_BASE_URL. */
  url = '';
  private server: Server | undefined;

  constructor(
    private readonly simulation: Simulation,
    private readonly credentials: { accountSid: string; authToken: string },
  ) {}

  /** Listen on 127.0.0.1 (port 0: any free port); the base URL for TWILIO_API_BASE_URL. */
  async listen(port = 0): Promise<string> {
    const server = createServer((request, response) => void this.serve(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const path = (request.url ?? '').split('?')[0] ?? '';
    const answer = this.answer(request.method ?? 'GET', path, params, request.headers.authorization);
    this.requests.push({ method: request.method ?? 'GET', path, params, status: answer.status, ...(answer.status >= 400 ? { error: String(answer.body.message) } : {}) });
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  }

  /** Twilio's answer to one REST request. */
  answer(method: string, path: string, params: Record<string, string>, authorization: string | undefined): Answer {
    const expected = `Basic ${Buffer.from(`${this.credentials.accountSid}:${this.credentials.authToken}`).toString('base64')}`;
    if (authorization !== expected) return error(401, 20003, 'Authenticate: the account SID and auth token do not match');
    const call = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/.exec(path);
    const member = /^\/2010-04-01\/Accounts\/([^/]+)\/Queues\/([^/]+)\/Members\/([^/]+)\.json$/.exec(path);
    const account = call?.[1] ?? member?.[1];
    if (account !== undefined && account !== this.credentials.accountSid) return error(404, 20404, `The requested resource ${path} was not found (account ${account} is not this account)`);
    if (call !== null && method === 'POST') return this.updateCall(call[2] ?? '', params);
    if (call !== null && method === 'GET') return this.fetchCall(call[2] ?? '');
    if (member !== null && method === 'POST') return this.dequeue(member[2] ?? '', member[3] ?? '', params);
    return error(404, 20404, `The requested resource ${method} ${path} was not found`);
  }

  private callResource(sid: string, status: string): Record<string, unknown> {
    return { sid, account_sid: this.credentials.accountSid, status, api_version: '2010-04-01', uri: `/2010-04-01/Accounts/${this.credentials.accountSid}/Calls/${sid}.json` };
  }

  private fetchCall(sid: string): Answer {
    const live = /^CA[0-9a-f]{32}$/.test(sid) ? this.simulation.liveCall(sid) : undefined;
    if (live === undefined) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found`);
    return { status: 200, body: this.callResource(sid, live.queued ? 'queued' : live.status) };
  }

  /** POST /Calls/{CallSid}.json: Url or Twiml redirects a live call at once; Status=completed ends it. */
  private updateCall(sid: string, params: Record<string, string>): Answer {
    const invalid = unknownField(params, CALL_FIELDS) ?? badMethod(params, 'Method') ?? badMethod(params, 'FallbackMethod') ?? badMethod(params, 'StatusCallbackMethod');
    if (invalid !== undefined) return invalid;
    if (!/^CA[0-9a-f]{32}$/.test(sid)) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found (not a CallSid)`);
    const live = this.simulation.liveCall(sid);
    if (live === undefined) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found`);
    const { Url: url, Twiml: twiml, Status: status } = params;
    if (url === undefined && twiml === undefined && status === undefined) return error(400, 21201, 'No Url, Twiml or Status given');
    if (url !== undefined && twiml !== undefined) return error(400, 21201, 'Give Url or Twiml, not both');
    if (url !== undefined && !absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
    if (twiml !== undefined && twiml.length > MAX_INLINE_TWIML) return error(400, 21218, `Twiml is ${twiml.length} characters; at most ${MAX_INLINE_TWIML} are allowed`);
    if (status !== undefined && status !== 'completed' && status !== 'canceled') return error(400, 21218, `Status must be completed or canceled, not ${status}`);
    if (live.status === 'completed') return error(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (status === 'completed' || (status === 'canceled' && live.status === 'ringing')) {
      this.simulation.endCall(sid);
      return { status: 200, body: this.callResource(sid, 'completed') };
    }
    if (url !== undefined || twiml !== undefined) {
      this.simulation.redirectCall(sid, { ...(url === undefined ? {} : { url }), ...(twiml === undefined ? {} : { twiml }), ...(params.Method === undefined ? {} : { method: params.Method }) });
    }
    return { status: 200, body: this.callResource(sid, live.status) };
  }

  /** POST /Queues/{QueueSid}/Members/{CallSid|Front}.json with Url: that caller leaves the line and runs Url. */
  private dequeue(queueSid: string, who: string, params: Record<string, string>): Answer {
    const invalid = unknownField(params, MEMBER_FIELDS) ?? badMethod(params, 'Method');
    if (invalid !== undefined) return invalid;
    if (!/^QU[0-9a-f]{32}$/.test(queueSid) || this.simulation.queueBySid(queueSid) === undefined) return error(404, 20404, `The requested resource /Queues/${queueSid} was not found`);
    if (who !== 'Front' && !/^CA[0-9a-f]{32}$/.test(who)) return error(404, 20404, `The requested resource /Members/${who}.json was not found (not a CallSid or Front)`);
    const url = params.Url;
    if (url === undefined) return error(400, 21201, 'Url is required to dequeue a member');
    if (!absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
    const dequeued = this.simulation.dequeue(queueSid, who, url, params.Method);
    if (dequeued === undefined) return error(404, 20404, `Call ${who} is not waiting in queue ${queueSid}`);
    return { status: 200, body: { call_sid: dequeued.callSid, queue_sid: queueSid, position: dequeued.position, wait_time: dequeued.waitTime, uri: `/2010-04-01/Accounts/${this.credentials.accountSid}/Queues/${queueSid}/Members/${dequeued.callSid}.json` } };
  }
}
