import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Simulation } from '../engine.js';
import { error, notFound, type Answer, type Params } from './answers.js';
import { createApplication, fetchApplication, listApplications, updateApplication } from './applications.js';
import { createCall } from './call-create.js';
import { dequeue, fetchCall, updateCall } from './calls.js';
import { fetchPhoneNumber, listPhoneNumbers, phoneNumberResource, updatePhoneNumber, type OwnedNumberSeed } from './phone-numbers.js';
import { fetchRecordingMedia, listRecordings, type TwilioRecordingEntry } from './recordings.js';
import type { ResourceJson } from './resources.js';
import { fetchSipDomain, listSipDomains, sipDomainResource, updateSipDomain, type SipDomainSeed } from './sip-domains.js';

/**
 * A fake of the parts of Twilio's REST API the project calls, validated the way Twilio validates
 * them (credentials, account, SIDs, allowed fields and values). With a simulation it acts on the
 * running calls: it moves live calls and lists the recordings the calls made. Its account holds the
 * numbers, TwiML Apps and SIP domains that `npm run connect` configures. The project reaches it
 * through TWILIO_API_BASE_URL.
 */
export type RestRequestRecord = {
  method: string;
  path: string;
  /** Each parameter's value (the last one of a name that came several times: see `lists`). */
  params: Record<string, string>;
  /** Every value of the names that came more than once (e.g. `StatusCallbackEvent`). */
  lists?: Record<string, string[]>;
  status: number;
  error?: string;
  /** The simulated second the request came (with a simulation). */
  at?: number;
  /** A create request's call: its id in the results (`rest-1`, ...), when it was requested and when it starts (CPS). */
  createdCall?: { id: string; sid: string; requestedAt: number; startsAt: number };
};

/** An API key of the account: its SID (SK...) and secret authenticate like the account SID and auth token. */
export type ApiKeySeed = { readonly sid: string; readonly secret: string };

/** What the account holds before any request: numbers it owns, SIP domains, API keys. */
export type FakeAccountSeed = {
  readonly phoneNumbers?: readonly OwnedNumberSeed[];
  readonly sipDomains?: readonly SipDomainSeed[];
  readonly apiKeys?: readonly ApiKeySeed[];
};

type Route = {
  readonly method: 'GET' | 'POST';
  /** Matched against the path after `/2010-04-01/Accounts/{AccountSid}`. */
  readonly pattern: RegExp;
  readonly answer: (match: RegExpExecArray, params: Params, lists: Readonly<Record<string, readonly string[]>>) => Answer;
};

const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)(\/.*)$/;

export class FakeTwilioApi {
  readonly requests: RestRequestRecord[] = [];
  /** The base URL once listening, for TWILIO_API_BASE_URL. */
  url = '';
  private server: Server | undefined;
  private readonly extraRecordings: TwilioRecordingEntry[] = [];
  private readonly recordingMedia = new Map<string, Uint8Array>();
  private readonly phoneNumbers = new Map<string, ResourceJson>();
  private readonly applicationsBySid = new Map<string, ResourceJson>();
  private readonly sipDomains = new Map<string, ResourceJson>();
  private readonly authorizations: ReadonlySet<string>;
  private readonly routes: readonly Route[];

  /** `simulation` undefined: an account without live calls (e.g. for `npm run connect`). */
  constructor(
    private readonly simulation: Simulation | undefined,
    private readonly credentials: { accountSid: string; authToken: string },
    seed: FakeAccountSeed = {},
  ) {
    const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.authorizations = new Set([
      basic(credentials.accountSid, credentials.authToken),
      ...(seed.apiKeys ?? []).map((key) => basic(key.sid, key.secret)),
    ]);
    const now = new Date();
    for (const number of seed.phoneNumbers ?? []) {
      const resource = phoneNumberResource(credentials.accountSid, number, now);
      this.phoneNumbers.set(resource.sid, resource);
    }
    for (const domain of seed.sipDomains ?? []) {
      const resource = sipDomainResource(credentials.accountSid, domain, now);
      this.sipDomains.set(resource.sid, resource);
    }
    // The numbers the account owns are valid caller IDs for the calls it creates and dials.
    simulation?.addAccountNumbers((seed.phoneNumbers ?? []).map((number) => number.phoneNumber));
    const account = credentials.accountSid;
    const sim = this.simulation;
    this.routes = [
      { method: 'POST', pattern: /^\/Calls\.json$/, answer: (_m, p, lists) => createCall(sim, account, p, lists) },
      { method: 'GET', pattern: /^\/Calls\/([^/]+)\.json$/, answer: (m) => fetchCall(sim, account, m[1] ?? '') },
      { method: 'POST', pattern: /^\/Calls\/([^/]+)\.json$/, answer: (m, p) => updateCall(sim, account, m[1] ?? '', p) },
      {
        method: 'POST',
        pattern: /^\/Queues\/([^/]+)\/Members\/([^/]+)\.json$/,
        answer: (m, p) => dequeue(sim, account, m[1] ?? '', m[2] ?? '', p),
      },
      { method: 'GET', pattern: /^\/Recordings\.json$/, answer: (_m, p) => listRecordings(sim, this.extraRecordings, account, p) },
      {
        method: 'GET',
        pattern: /^\/Recordings\/([^/]+)\.mp3$/,
        answer: (m) => fetchRecordingMedia(sim, this.extraRecordings, this.recordingMedia, m[1] ?? ''),
      },
      { method: 'GET', pattern: /^\/IncomingPhoneNumbers\.json$/, answer: (_m, p) => listPhoneNumbers(this.phoneNumbers, account, p) },
      { method: 'GET', pattern: /^\/IncomingPhoneNumbers\/([^/]+)\.json$/, answer: (m) => fetchPhoneNumber(this.phoneNumbers, m[1] ?? '') },
      {
        method: 'POST',
        pattern: /^\/IncomingPhoneNumbers\/([^/]+)\.json$/,
        answer: (m, p) => updatePhoneNumber(this.phoneNumbers, m[1] ?? '', p, new Date()),
      },
      { method: 'GET', pattern: /^\/Applications\.json$/, answer: (_m, p) => listApplications(this.applicationsBySid, account, p) },
      {
        method: 'POST',
        pattern: /^\/Applications\.json$/,
        answer: (_m, p) => createApplication(this.applicationsBySid, account, p, new Date()),
      },
      { method: 'GET', pattern: /^\/Applications\/([^/]+)\.json$/, answer: (m) => fetchApplication(this.applicationsBySid, m[1] ?? '') },
      {
        method: 'POST',
        pattern: /^\/Applications\/([^/]+)\.json$/,
        answer: (m, p) => updateApplication(this.applicationsBySid, m[1] ?? '', p, new Date()),
      },
      { method: 'GET', pattern: /^\/SIP\/Domains\.json$/, answer: (_m, p) => listSipDomains(this.sipDomains, account, p) },
      { method: 'GET', pattern: /^\/SIP\/Domains\/([^/]+)\.json$/, answer: (m) => fetchSipDomain(this.sipDomains, m[1] ?? '') },
      {
        method: 'POST',
        pattern: /^\/SIP\/Domains\/([^/]+)\.json$/,
        answer: (m, p) => updateSipDomain(this.sipDomains, m[1] ?? '', p, new Date()),
      },
    ];
  }

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

  /** Serve these bytes as the recording's MP3 instead of silence as long as the recording (e.g. a file too large to pass on). */
  setRecordingMedia(recordingSid: string, bytes: Uint8Array): void {
    this.recordingMedia.set(recordingSid, bytes);
  }

  /** The requests that could change something (every POST, answered or refused). */
  get writes(): RestRequestRecord[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  /** The account's number as Twilio's JSON shows it, or undefined when the account does not own it. */
  phoneNumber(e164: string): Readonly<ResourceJson> | undefined {
    return [...this.phoneNumbers.values()].find((number) => number.phone_number === e164);
  }

  /** The account's TwiML Apps as Twilio's JSON shows them. */
  applications(): readonly Readonly<ResourceJson>[] {
    return [...this.applicationsBySid.values()];
  }

  /** The account's SIP domain of that name as Twilio's JSON shows it. */
  sipDomain(domainName: string): Readonly<ResourceJson> | undefined {
    return [...this.sipDomains.values()].find((domain) => domain.domain_name === domainName);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const [path = '', search = ''] = (request.url ?? '').split(/\?(.*)/s);
    // A GET's parameters are its query; a POST's its form body.
    const form = new URLSearchParams(request.method === 'GET' ? search : Buffer.concat(chunks).toString('utf8'));
    const params = Object.fromEntries(form);
    const lists = Object.fromEntries(
      [...new Set(form.keys())].filter((name) => form.getAll(name).length > 1).map((name) => [name, form.getAll(name)]),
    );
    const at = this.simulation?.clock.now;
    const answer = this.answer(request.method ?? 'GET', path, params, request.headers.authorization, lists);
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      params,
      ...(Object.keys(lists).length === 0 ? {} : { lists }),
      status: answer.status,
      ...(answer.status >= 400 ? { error: String(answer.body.message) } : {}),
      ...(at === undefined ? {} : { at }),
      ...(answer.createdCall === undefined ? {} : { createdCall: { ...answer.createdCall } }),
    });
    if (answer.media !== undefined) {
      response.writeHead(answer.status, {
        'content-type': answer.media.contentType,
        'content-length': String(answer.media.bytes.byteLength),
      });
      response.end(answer.media.bytes);
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body));
  }

  /** Twilio's answer to one REST request; `lists` holds every value of a name that came more than once. */
  answer(
    method: string,
    path: string,
    params: Record<string, string>,
    authorization: string | undefined,
    lists: Readonly<Record<string, readonly string[]>> = {},
  ): Answer {
    if (authorization === undefined || !this.authorizations.has(authorization))
      return error(401, 20003, 'Authenticate: the credentials do not match an account SID and auth token or an API key and secret');
    const inAccount = ACCOUNT_PATH.exec(path);
    if (inAccount === null) return notFound(`${method} ${path}`);
    const [, account = '', rest = ''] = inAccount;
    if (account !== this.credentials.accountSid) return notFound(path, `account ${account} is not this account`);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(rest);
      if (match !== null) return route.answer(match, params, lists);
    }
    return notFound(`${method} ${path}`);
  }
}
