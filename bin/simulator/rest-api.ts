import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Simulation } from './engine.js';

/**
 * A fake of the parts of Twilio's REST API the project calls, validated the way Twilio validates
 * them (credentials, account, call and queue ids, allowed fields and values), acting on the running
 * simulation: it moves live calls and lists the recordings the calls made. The project reaches it
 * through TWILIO_API_BASE_URL.
 */
export type RestRequestRecord = { method: string; path: string; params: Record<string, string>; status: number; error?: string };

/** A recording in the Recordings list: made by a simulated call, or added (another application, a <Dial record>, ...). */
export type TwilioRecordingEntry = {
  sid: string;
  callSid: string | null;
  seconds: number;
  createdAt: Date;
  source?: string;
  status?: string;
};

type Answer = { status: number; body: Record<string, unknown> };

const CALL_FIELDS = new Set([
  'Url',
  'Method',
  'Twiml',
  'Status',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
  'TimeLimit',
]);
const MEMBER_FIELDS = new Set(['Url', 'Method']);
/**
 * The Recordings list's query parameters. `DateCreated>` and `DateCreated<` are how `DateCreated>=`
 * and `DateCreated<=` arrive. Twilio ignores parameters it does not know; the fake refuses them, so
 * that a misspelt filter (which Twilio would ignore, listing everything) is noticed in tests.
 */
const RECORDING_LIST_FIELDS = new Set([
  'DateCreated',
  'DateCreated>',
  'DateCreated<',
  'CallSid',
  'ConferenceSid',
  'IncludeSoftDeleted',
  'PageSize',
  'Page',
  'PageToken',
]);
/** Twilio's default and largest page sizes. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
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

/** Twilio writes dates in RFC 2822 with a numeric zone: `Tue, 04 Aug 2026 10:05:09 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** A `DateCreated` filter value: a day (YYYY-MM-DD, UTC) or an ISO 8601 time; the range it stands for. */
function dateFilter(value: string): { from: number; to: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + 24 * 3600 * 1000 };
  }
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : { from: at, to: at + 1 };
}

function badMethod(params: Record<string, string>, field: string): Answer | undefined {
  const value = params[field];
  return value === undefined || value === 'GET' || value === 'POST'
    ? undefined
    : error(400, 21205, `${field} must be GET or POST, not ${value}`);
}

export class FakeTwilioApi {
  readonly requests: RestRequestRecord[] = [];
  /** The base URL once listening, for TWILIO_API_BASE_URL. */
  url = '';
  private server: Server | undefined;
  private readonly extraRecordings: TwilioRecordingEntry[] = [];

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

  /** List a recording beside the simulation's own, as Twilio would list one made outside these calls. */
  addRecording(recording: TwilioRecordingEntry): void {
    this.extraRecordings.push(recording);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const [path = '', search = ''] = (request.url ?? '').split(/\?(.*)/s);
    // A GET's parameters are its query; a POST's its form body.
    const params = Object.fromEntries(new URLSearchParams(request.method === 'GET' ? search : Buffer.concat(chunks).toString('utf8')));
    const answer = this.answer(request.method ?? 'GET', path, params, request.headers.authorization);
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      params,
      status: answer.status,
      ...(answer.status >= 400 ? { error: String(answer.body.message) } : {}),
    });
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  }

  /** Twilio's answer to one REST request. */
  answer(method: string, path: string, params: Record<string, string>, authorization: string | undefined): Answer {
    const expected = `Basic ${Buffer.from(`${this.credentials.accountSid}:${this.credentials.authToken}`).toString('base64')}`;
    if (authorization !== expected) return error(401, 20003, 'Authenticate: the account SID and auth token do not match');
    const call = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/.exec(path);
    const member = /^\/2010-04-01\/Accounts\/([^/]+)\/Queues\/([^/]+)\/Members\/([^/]+)\.json$/.exec(path);
    const recordings = /^\/2010-04-01\/Accounts\/([^/]+)\/Recordings\.json$/.exec(path);
    const account = call?.[1] ?? member?.[1] ?? recordings?.[1];
    if (account !== undefined && account !== this.credentials.accountSid)
      return error(404, 20404, `The requested resource ${path} was not found (account ${account} is not this account)`);
    if (call !== null && method === 'POST') return this.updateCall(call[2] ?? '', params);
    if (call !== null && method === 'GET') return this.fetchCall(call[2] ?? '');
    if (member !== null && method === 'POST') return this.dequeue(member[2] ?? '', member[3] ?? '', params);
    if (recordings !== null && method === 'GET') return this.listRecordings(params);
    return error(404, 20404, `The requested resource ${method} ${path} was not found`);
  }

  private callResource(sid: string, status: string): Record<string, unknown> {
    return {
      sid,
      account_sid: this.credentials.accountSid,
      status,
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${this.credentials.accountSid}/Calls/${sid}.json`,
    };
  }

  private fetchCall(sid: string): Answer {
    const live = /^CA[0-9a-f]{32}$/.test(sid) ? this.simulation.liveCall(sid) : undefined;
    if (live === undefined) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found`);
    return { status: 200, body: this.callResource(sid, live.queued ? 'queued' : live.status) };
  }

  /** POST /Calls/{CallSid}.json: Url or Twiml redirects a live call at once; Status=completed ends it. */
  private updateCall(sid: string, params: Record<string, string>): Answer {
    const invalid =
      unknownField(params, CALL_FIELDS) ??
      badMethod(params, 'Method') ??
      badMethod(params, 'FallbackMethod') ??
      badMethod(params, 'StatusCallbackMethod');
    if (invalid !== undefined) return invalid;
    if (!/^CA[0-9a-f]{32}$/.test(sid)) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found (not a CallSid)`);
    const live = this.simulation.liveCall(sid);
    if (live === undefined) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found`);
    const { Url: url, Twiml: twiml, Status: status } = params;
    if (url === undefined && twiml === undefined && status === undefined) return error(400, 21201, 'No Url, Twiml or Status given');
    if (url !== undefined && twiml !== undefined) return error(400, 21201, 'Give Url or Twiml, not both');
    if (url !== undefined && !absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
    if (twiml !== undefined && twiml.length > MAX_INLINE_TWIML)
      return error(400, 21218, `Twiml is ${twiml.length} characters; at most ${MAX_INLINE_TWIML} are allowed`);
    if (status !== undefined && status !== 'completed' && status !== 'canceled')
      return error(400, 21218, `Status must be completed or canceled, not ${status}`);
    if (live.status === 'completed') return error(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (status === 'completed' || (status === 'canceled' && live.status === 'ringing')) {
      this.simulation.endCall(sid);
      return { status: 200, body: this.callResource(sid, 'completed') };
    }
    if (url !== undefined || twiml !== undefined) {
      this.simulation.redirectCall(sid, {
        ...(url === undefined ? {} : { url }),
        ...(twiml === undefined ? {} : { twiml }),
        ...(params.Method === undefined ? {} : { method: params.Method }),
      });
    }
    return { status: 200, body: this.callResource(sid, live.status) };
  }

  /**
   * Every recording Twilio holds for this account: those the simulated calls made with <Record> (each
   * dated by its 'record' event, as the engine logs it when the recording ends), and any added with
   * `addRecording`.
   */
  private allRecordings(): Record<string, unknown>[] {
    // The simulated clock's second 0 in wall-clock time, from Twilio's own `Timestamp` of now.
    const epoch = Date.parse(this.simulation.timestamp()) - this.simulation.clock.now * 1000;
    const made = this.simulation.recordingsByCall().flatMap(({ callSid, callId, recordings }) => {
      const ended = this.simulation.events.filter((event) => event.call === callId && event.type === 'record').map((event) => event.at);
      return recordings.map((recording, index): TwilioRecordingEntry => ({
        sid: recording.recordingSid,
        callSid,
        seconds: recording.seconds,
        createdAt: new Date(epoch + (ended[index] ?? this.simulation.clock.now) * 1000),
      }));
    });
    return [...made, ...this.extraRecordings].map((recording) => this.recordingResource(recording));
  }

  private recordingResource(recording: TwilioRecordingEntry): Record<string, unknown> {
    const account = this.credentials.accountSid;
    const created = rfc2822(recording.createdAt);
    return {
      account_sid: account,
      api_version: '2010-04-01',
      call_sid: recording.callSid,
      conference_sid: null,
      date_created: created,
      date_updated: created,
      start_time: rfc2822(new Date(recording.createdAt.getTime() - recording.seconds * 1000)),
      duration: String(recording.seconds),
      sid: recording.sid,
      price: null,
      price_unit: 'USD',
      status: recording.status ?? 'completed',
      channels: 1,
      source: recording.source ?? 'RecordVerb',
      error_code: null,
      uri: `/2010-04-01/Accounts/${account}/Recordings/${recording.sid}.json`,
      encryption_details: null,
      subresource_uris: { transcriptions: `/2010-04-01/Accounts/${account}/Recordings/${recording.sid}/Transcriptions.json` },
      media_url: `https://api.twilio.com/2010-04-01/Accounts/${account}/Recordings/${recording.sid}`,
    };
  }

  /**
   * GET /Recordings.json: newest first, filtered by `DateCreated` (a day), `DateCreated>=`/`<=` (on
   * or after the day's start, on or before its end) and `CallSid`, in pages of `PageSize` (default
   * 50, at most 1000) with Twilio's paging fields; `next_page_uri` is null on the last page.
   */
  private listRecordings(params: Record<string, string>): Answer {
    const invalid = unknownField(params, RECORDING_LIST_FIELDS);
    if (invalid !== undefined) return invalid;
    const filters: ((created: number) => boolean)[] = [];
    for (const [field, keep] of [
      ['DateCreated', (range: { from: number; to: number }) => (created: number) => created >= range.from && created < range.to],
      ['DateCreated>', (range: { from: number; to: number }) => (created: number) => created >= range.from],
      ['DateCreated<', (range: { from: number; to: number }) => (created: number) => created < range.to],
    ] as const) {
      const value = params[field];
      if (value === undefined) continue;
      const range = dateFilter(value);
      if (range === undefined)
        return error(400, 20001, `Invalid ${field === 'DateCreated' ? field : `${field}=`} value: ${value} (YYYY-MM-DD)`);
      filters.push(keep(range));
    }
    const pageSize = Number(params.PageSize ?? DEFAULT_PAGE_SIZE);
    const page = Number(params.Page ?? 0);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      return error(400, 20001, `PageSize must be 1 to ${MAX_PAGE_SIZE}, not ${params.PageSize ?? ''}`);
    if (!Number.isInteger(page) || page < 0) return error(400, 20001, `Page must be 0 or more, not ${params.Page ?? ''}`);
    const matching = this.allRecordings()
      .filter((recording) => filters.every((keep) => keep(Date.parse(String(recording.date_created)))))
      .filter((recording) => params.CallSid === undefined || recording.call_sid === params.CallSid)
      .sort(
        (a, b) => Date.parse(String(b.date_created)) - Date.parse(String(a.date_created)) || String(a.sid).localeCompare(String(b.sid)),
      );
    const path = `/2010-04-01/Accounts/${this.credentials.accountSid}/Recordings.json`;
    const pageUri = (number: number): string => {
      const query = new URLSearchParams(Object.entries(params).filter(([name]) => name !== 'Page' && name !== 'PageToken'));
      query.set('PageSize', String(pageSize));
      query.set('Page', String(number));
      return `${path}?${query.toString()}`;
    };
    const start = page * pageSize;
    const recordings = matching.slice(start, start + pageSize);
    const last = start + pageSize >= matching.length;
    return {
      status: 200,
      body: {
        recordings,
        page,
        page_size: pageSize,
        start,
        end: start + Math.max(0, recordings.length - 1),
        uri: pageUri(page),
        first_page_uri: pageUri(0),
        previous_page_uri: page === 0 ? null : pageUri(page - 1),
        next_page_uri: last ? null : pageUri(page + 1),
      },
    };
  }

  /** POST /Queues/{QueueSid}/Members/{CallSid|Front}.json with Url: that caller leaves the line and runs Url. */
  private dequeue(queueSid: string, who: string, params: Record<string, string>): Answer {
    const invalid = unknownField(params, MEMBER_FIELDS) ?? badMethod(params, 'Method');
    if (invalid !== undefined) return invalid;
    if (!/^QU[0-9a-f]{32}$/.test(queueSid) || this.simulation.queueBySid(queueSid) === undefined)
      return error(404, 20404, `The requested resource /Queues/${queueSid} was not found`);
    if (who !== 'Front' && !/^CA[0-9a-f]{32}$/.test(who))
      return error(404, 20404, `The requested resource /Members/${who}.json was not found (not a CallSid or Front)`);
    const url = params.Url;
    if (url === undefined) return error(400, 21201, 'Url is required to dequeue a member');
    if (!absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
    const dequeued = this.simulation.dequeue(queueSid, who, url, params.Method);
    if (dequeued === undefined) return error(404, 20404, `Call ${who} is not waiting in queue ${queueSid}`);
    return {
      status: 200,
      body: {
        call_sid: dequeued.callSid,
        queue_sid: queueSid,
        position: dequeued.position,
        wait_time: dequeued.waitTime,
        uri: `/2010-04-01/Accounts/${this.credentials.accountSid}/Queues/${queueSid}/Members/${dequeued.callSid}.json`,
      },
    };
  }
}
