import * as z from 'zod';
import type { TwilioCredentials } from './credentials.js';
import { TwilioRequestError } from './errors.js';
import {
  APPLICATION_PARAMETERS,
  NUMBER_PARAMETERS,
  SIP_DOMAIN_PARAMETERS,
  applicationSchema,
  formOf,
  numberSchema,
  sipDomainSchema,
  type ApplicationSettings,
  type NumberSettings,
  type SipDomain,
  type SipDomainSettings,
  type TwilioNumber,
  type TwimlApp,
} from './resources.js';

/**
 * The account's configuration through Twilio's REST API (2010-04-01): its numbers, TwiML Apps and SIP
 * domains, read in full pages and written one resource at a time. The base URL is TWILIO_API_BASE_URL's,
 * so the simulator's fake stands in for Twilio in tests.
 */
export type TwilioAccount = {
  readonly accountSid: string;
  /** The account's numbers matching `phoneNumber` (Twilio matches partial numbers too). */
  listNumbers(phoneNumber: string): Promise<TwilioNumber[]>;
  updateNumber(sid: string, settings: Partial<NumberSettings>): Promise<TwilioNumber>;
  /** The TwiML Apps named `friendlyName`. */
  listApplications(friendlyName: string): Promise<TwimlApp[]>;
  createApplication(friendlyName: string, settings: ApplicationSettings): Promise<TwimlApp>;
  updateApplication(sid: string, settings: Partial<ApplicationSettings>): Promise<TwimlApp>;
  /** Every SIP domain of the account: the list has no filter. */
  listSipDomains(): Promise<SipDomain[]>;
  updateSipDomain(sid: string, settings: Partial<SipDomainSettings>): Promise<SipDomain>;
};

/** Twilio's largest page: fewer round trips for an account with many numbers. */
const PAGE_SIZE = 1000;
/** Pages followed at most: far beyond any account's numbers, and an end to a list that never ends. */
const MAX_PAGES = 100;
const TIMEOUT_MS = 30_000;

const errorBodySchema = z.object({ code: z.number().optional(), message: z.string().optional() }).loose();

/** A list page's paging field; the entries are under the list's own key (`incoming_phone_numbers`, ...). */
const pageSchema = z.object({ next_page_uri: z.string().nullish() }).loose();

export function twilioAccount(credentials: TwilioCredentials): TwilioAccount {
  const origin = credentials.apiBaseUrl;
  const accountPath = `/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}`;
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

  /** One request; the parsed JSON of a 2xx answer, or a one-line error naming the request. */
  async function request(method: 'GET' | 'POST', pathAndQuery: string, form?: Record<string, string>): Promise<unknown> {
    const what = `${method} ${pathAndQuery.replace(accountPath, '').split('?')[0] ?? ''}`;
    let response: Response;
    try {
      response = await fetch(`${origin}${pathAndQuery}`, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error ? String((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
      throw new TwilioRequestError(`Twilio's REST API at ${origin} could not be reached (${reason})`, 0, undefined, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const parsed = errorBodySchema.safeParse(body);
      const code = parsed.success ? parsed.data.code : undefined;
      const message = (parsed.success ? parsed.data.message : undefined) ?? response.statusText;
      if (response.status === 401)
        throw new TwilioRequestError(
          `Twilio refused the credentials (401${code === undefined ? '' : `, code ${code}`}): check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET`,
          401,
          code,
        );
      throw new TwilioRequestError(
        `Twilio refused ${what}: ${message} (${response.status}${code === undefined ? '' : `, code ${code}`})`,
        response.status,
        code,
      );
    }
    return body;
  }

  function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new TwilioRequestError(
        `Twilio's answer to ${what} is not as documented: ${parsed.error.issues[0]?.message ?? ''}`,
        200,
        undefined,
      );
    return parsed.data;
  }

  /** Every entry of a list, following `next_page_uri` within this account's list only (the credentials go nowhere else). */
  async function list<T>(resource: string, key: string, entry: z.ZodType<T>, filters: Record<string, string>): Promise<T[]> {
    const listPath = `${accountPath}/${resource}.json`;
    const entriesSchema = z.array(entry);
    const entries: T[] = [];
    let next: string | null | undefined = `${listPath}?${new URLSearchParams({ ...filters, PageSize: String(PAGE_SIZE) }).toString()}`;
    for (let pages = 0; typeof next === 'string'; pages += 1) {
      if (pages >= MAX_PAGES || !next.startsWith(`${listPath}?`))
        throw new TwilioRequestError(`Twilio's ${resource} list gave an unexpected next page: ${next}`, 200, undefined);
      const body = await request('GET', next);
      const page = parse(pageSchema, body, `GET /${resource}.json`);
      entries.push(...parse(entriesSchema, page[key], `GET /${resource}.json (${key})`));
      next = page.next_page_uri;
    }
    return entries;
  }

  return {
    accountSid: credentials.accountSid,
    listNumbers: (phoneNumber) => list('IncomingPhoneNumbers', 'incoming_phone_numbers', numberSchema, { PhoneNumber: phoneNumber }),
    updateNumber: async (sid, settings) =>
      parse(
        numberSchema,
        await request('POST', `${accountPath}/IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`, formOf(NUMBER_PARAMETERS, settings)),
        'POST /IncomingPhoneNumbers',
      ),
    listApplications: (friendlyName) => list('Applications', 'applications', applicationSchema, { FriendlyName: friendlyName }),
    createApplication: async (friendlyName, settings) =>
      parse(
        applicationSchema,
        await request('POST', `${accountPath}/Applications.json`, {
          FriendlyName: friendlyName,
          ...formOf(APPLICATION_PARAMETERS, settings),
        }),
        'POST /Applications.json',
      ),
    updateApplication: async (sid, settings) =>
      parse(
        applicationSchema,
        await request('POST', `${accountPath}/Applications/${encodeURIComponent(sid)}.json`, formOf(APPLICATION_PARAMETERS, settings)),
        'POST /Applications',
      ),
    listSipDomains: () => list('SIP/Domains', 'domains', sipDomainSchema, {}),
    updateSipDomain: async (sid, settings) =>
      parse(
        sipDomainSchema,
        await request('POST', `${accountPath}/SIP/Domains/${encodeURIComponent(sid)}.json`, formOf(SIP_DOMAIN_PARAMETERS, settings)),
        'POST /SIP/Domains',
      ),
  };
}
