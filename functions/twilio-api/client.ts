import * as z from 'zod';
import { assertWithinBudget, currentSignal } from '../commons/budget.js';
import { countRestFailure } from '../commons/metrics.js';

/**
 * The one way the project reaches Twilio's REST API (pickup and the waiting line redirect live calls;
 * the voicemail reconciliation lists recordings). Its base URL comes from TWILIO_API_BASE_URL, so the
 * call simulator's fake API can stand in for Twilio locally and in tests.
 */
export type TwilioApiConfig = {
  /** Default https://api.twilio.com. */
  baseUrl: string;
  accountSid: string;
  authToken: () => Promise<string>;
  /** Milliseconds before a request is given up; a webhook must still answer within Twilio's 15 s. */
  timeoutMs?: number;
};

/** Twilio refused a request (or could not be reached); `code` is Twilio's error code when it sent one. */
export class TwilioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TwilioApiError';
  }
}

/**
 * A request that failed for good, counted as a REST failure (the metric RestFailures) unless Twilio
 * says the call or queue member is gone (404, error 20404; 21220: the call is no longer in progress):
 * an everyday answer when a caller hangs up first, which the callers handle, not a fault.
 * https://www.twilio.com/docs/api/errors/20404 · https://www.twilio.com/docs/api/errors/21220
 */
function failure(error: TwilioApiError): TwilioApiError {
  const gone = error.status === 404 || error.code === 20404 || error.code === 21220;
  if (!gone) countRestFailure();
  return error;
}

export type TwilioApi = {
  /** Send a live call to the TwiML at `url` at once (the caller's parent call, never a child leg). */
  redirectCall(callSid: string, url: string): Promise<void>;
  /** Take a caller (or the front caller) out of a queue to run the TwiML at `url`. */
  dequeueMember(queueSid: string, callSid: string | 'Front', url: string): Promise<void>;
  /**
   * Place an outgoing call to `to` that runs the TwiML at `url` when answered; `statusCallback` hears
   * how it ended. Twilio creates 1 call per second per account by default: the callers pace themselves
   * (store/rest-pace.ts). https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
   */
  createCall(options: { to: string; from: string; url: string; statusCallback: string; timeoutSeconds: number }): Promise<{ sid: string }>;
  /**
   * The account's recordings created on or after `createdOnOrAfter` (a UTC date, YYYY-MM-DD: the
   * list filters by day only), every page followed. `pageSize` is at most 1000 (Twilio's limit).
   */
  listRecordings(options: { createdOnOrAfter: string; pageSize?: number }): Promise<TwilioRecording[]>;
  /**
   * A recording's audio as MP3 (`GET .../Recordings/{Sid}.mp3`), refused with a TwilioApiError of
   * status 0 and code MEDIA_TOO_LARGE when it is larger than `maxBytes`, before more is read.
   * https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file
   */
  fetchRecordingMedia(recordingSid: string, options: { maxBytes: number; timeoutMs?: number }): Promise<RecordingMedia>;
};

/** A recording's audio file as Twilio serves it. */
export type RecordingMedia = { contentType: string; bytes: Uint8Array };

/** Not Twilio's: the code of the TwilioApiError for a recording larger than the caller can take. */
export const MEDIA_TOO_LARGE = -413;

/** A RecordingSid: RE followed by 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid). */
export const RECORDING_SID = /^RE[0-9a-fA-F]{32}$/;

/** One entry of Twilio's Recordings list (https://www.twilio.com/docs/voice/api/recording). */
export type TwilioRecording = {
  sid: string;
  /** The call the recording belongs to; none for some sources (e.g. conferences). */
  callSid: string | undefined;
  /** Seconds; undefined while Twilio has not measured it (e.g. still in progress). */
  durationSeconds: number | undefined;
  dateCreated: Date;
  /** How it was made: `RecordVerb` for <Record>, `DialVerb`, `Conference`, `OutboundAPI`, ... */
  source: string;
  /** `completed` once the file is ready; also `in-progress`, `processing`, `absent`, ... */
  status: string;
};

/**
 * The fields of the list we use, as Twilio names them. `duration` is a string of seconds (or null
 * while unknown), `date_created` RFC 2822 ("Tue, 04 Aug 2026 10:05:09 +0000"). Built on the first
 * listing, not at import: the voice function imports this client but never lists recordings.
 */
function buildRecordingPageSchema() {
  const recordingSchema = z.object({
    sid: z.string().min(1),
    call_sid: z.string().min(1).nullable(),
    duration: z.string().nullable(),
    date_created: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date'),
    source: z.string(),
    status: z.string(),
  });
  return z.object({
    recordings: z.array(recordingSchema),
    next_page_uri: z.string().nullable(),
  });
}
type RecordingPageSchema = ReturnType<typeof buildRecordingPageSchema>;
let recordingPageSchema: RecordingPageSchema | undefined;

/** Pages followed at most in one listing: 1000 pages of up to 1000 recordings is far beyond a day. */
const MAX_PAGES = 1000;

function toRecording(entry: z.infer<RecordingPageSchema>['recordings'][number]): TwilioRecording {
  const duration = entry.duration === null ? Number.NaN : Number(entry.duration);
  return {
    sid: entry.sid,
    callSid: entry.call_sid ?? undefined,
    durationSeconds: Number.isFinite(duration) && duration >= 0 ? duration : undefined,
    dateCreated: new Date(Date.parse(entry.date_created)),
    source: entry.source,
    status: entry.status,
  };
}

export function createTwilioApi(config: TwilioApiConfig): TwilioApi {
  const origin = config.baseUrl.replace(/\/+$/, '');
  const accountPath = `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}`;
  const base = `${origin}${accountPath}`;
  const authorization = (token: string): string => `Basic ${Buffer.from(`${config.accountSid}:${token}`).toString('base64')}`;
  async function post(path: string, form: Record<string, string> | readonly [string, string][]): Promise<unknown> {
    // A REST request is a change too: none starts after the webhook answered (commons/budget.ts).
    assertWithinBudget();
    const token = await config.authToken();
    const budget = currentSignal();
    const timeout = AbortSignal.timeout(config.timeoutMs ?? 5000);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: authorization(token),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form as Record<string, string> | [string, string][]).toString(),
        signal: budget === undefined ? timeout : AbortSignal.any([timeout, budget]),
      });
    } catch (error) {
      throw failure(new TwilioApiError(`Twilio's REST API could not be reached for ${path}`, 0, undefined, { cause: error }));
    }
    if (response.ok) return response.json().catch(() => ({}));
    const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
    throw failure(new TwilioApiError(`Twilio refused POST ${path}: ${body.message ?? response.statusText}`, response.status, body.code));
  }
  /** GET a path of this account (with its query), as Twilio's `next_page_uri` names it; the parsed JSON. */
  async function get(pathAndQuery: string): Promise<unknown> {
    // Reading starts under the same budget as writing: nothing starts after the answer (commons/budget.ts).
    assertWithinBudget();
    const token = await config.authToken();
    const budget = currentSignal();
    const timeout = AbortSignal.timeout(config.timeoutMs ?? 5000);
    const signal = budget === undefined ? timeout : AbortSignal.any([timeout, budget]);
    const request = (): Promise<Response> =>
      fetch(`${origin}${pathAndQuery}`, {
        method: 'GET',
        headers: { authorization: authorization(token), accept: 'application/json' },
        signal,
      });
    let response: Response;
    try {
      // A GET may be repeated: once, for a kept-alive connection the server closed while idle
      // ("other side closed"), unless the time is up.
      response = await request().catch((error: unknown) => {
        if (signal.aborted) throw error;
        return request();
      });
    } catch (error) {
      throw failure(new TwilioApiError(`Twilio's REST API could not be reached for ${pathAndQuery}`, 0, undefined, { cause: error }));
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
      throw failure(
        new TwilioApiError(`Twilio refused GET ${pathAndQuery}: ${body.message ?? response.statusText}`, response.status, body.code),
      );
    }
    return response.json().catch((error: unknown) => {
      throw failure(
        new TwilioApiError(`Twilio answered GET ${pathAndQuery} with something other than JSON`, response.status, undefined, {
          cause: error,
        }),
      );
    });
  }
  async function listRecordings(options: { createdOnOrAfter: string; pageSize?: number }): Promise<TwilioRecording[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.createdOnOrAfter))
      throw new RangeError(`createdOnOrAfter must be a date YYYY-MM-DD, not ${options.createdOnOrAfter}`);
    // `DateCreated>=2026-08-03` in Twilio's docs is the parameter `DateCreated>` with the value
    // `2026-08-03`: URLSearchParams writes it as `DateCreated%3E=2026-08-03`.
    const query = new URLSearchParams({ 'DateCreated>': options.createdOnOrAfter, PageSize: String(options.pageSize ?? 1000) });
    const recordings: TwilioRecording[] = [];
    let next: string | null = `${accountPath}/Recordings.json?${query.toString()}`;
    for (let pages = 0; next !== null; pages += 1) {
      // Follow only this account's pages: the credentials go nowhere else.
      if (pages >= MAX_PAGES || !next.startsWith(`${accountPath}/Recordings.json`))
        throw failure(new TwilioApiError(`Twilio's Recordings list gave an unexpected next page: ${next}`, 200, undefined));
      recordingPageSchema ??= buildRecordingPageSchema();
      const parsed = recordingPageSchema.safeParse(await get(next));
      if (!parsed.success)
        throw failure(new TwilioApiError(`Twilio's Recordings list is not as documented: ${parsed.error.message}`, 200, undefined));
      recordings.push(...parsed.data.recordings.map(toRecording));
      next = parsed.data.next_page_uri;
    }
    return recordings;
  }
  /**
   * The media file of a recording. Twilio may answer with a redirect to where the file lies; fetch
   * follows it and drops the Authorization header when the redirect leaves api.twilio.com (the fetch
   * standard), so the credentials go to Twilio only. The body is read with a cap, so a file larger
   * than the caller can pass on is not held in memory whole.
   */
  async function fetchRecordingMedia(recordingSid: string, options: { maxBytes: number; timeoutMs?: number }): Promise<RecordingMedia> {
    if (!RECORDING_SID.test(recordingSid)) throw new RangeError(`not a RecordingSid: ${recordingSid}`);
    assertWithinBudget();
    const token = await config.authToken();
    const path = `${accountPath}/Recordings/${recordingSid}.mp3`;
    const budget = currentSignal();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? config.timeoutMs ?? 5000);
    const signal = budget === undefined ? timeout : AbortSignal.any([timeout, budget]);
    let response: Response;
    try {
      response = await fetch(`${origin}${path}`, {
        method: 'GET',
        headers: { authorization: authorization(token), accept: 'audio/mpeg' },
        signal,
      });
    } catch (error) {
      throw failure(new TwilioApiError(`Twilio's REST API could not be reached for ${path}`, 0, undefined, { cause: error }));
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
      throw failure(new TwilioApiError(`Twilio refused GET ${path}: ${body.message ?? response.statusText}`, response.status, body.code));
    }
    const tooLarge = (size: string): TwilioApiError =>
      new TwilioApiError(`recording ${recordingSid} is ${size}, more than the ${options.maxBytes} bytes allowed`, 0, MEDIA_TOO_LARGE);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxBytes) {
      await response.body?.cancel();
      throw tooLarge(`${declared} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body ?? []) {
        size += chunk.byteLength;
        if (size > options.maxBytes) throw tooLarge('larger than that');
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof TwilioApiError) throw error;
      throw failure(new TwilioApiError(`Twilio's answer to GET ${path} broke off`, response.status, undefined, { cause: error }));
    }
    return { contentType: response.headers.get('content-type') ?? 'audio/mpeg', bytes: Buffer.concat(chunks) };
  }
  return {
    redirectCall: async (callSid, url) => {
      await post(`/Calls/${encodeURIComponent(callSid)}.json`, { Url: url, Method: 'POST' });
    },
    createCall: async (options) => {
      const created = (await post('/Calls.json', [
        ['To', options.to],
        ['From', options.from],
        ['Url', options.url],
        ['Method', 'POST'],
        ['StatusCallback', options.statusCallback],
        ['StatusCallbackMethod', 'POST'],
        ['StatusCallbackEvent', 'answered'],
        ['StatusCallbackEvent', 'completed'],
        ['Timeout', String(options.timeoutSeconds)],
      ])) as { sid?: unknown };
      if (typeof created.sid !== 'string') throw failure(new TwilioApiError('Twilio created a call without a sid', 0, undefined));
      return { sid: created.sid };
    },
    dequeueMember: async (queueSid, callSid, url) => {
      await post(`/Queues/${encodeURIComponent(queueSid)}/Members/${encodeURIComponent(callSid)}.json`, { Url: url, Method: 'POST' });
    },
    listRecordings,
    fetchRecordingMedia,
  };
}
