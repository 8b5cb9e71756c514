import { randomBytes } from 'node:crypto';
import type { CreatedCall } from '../created-calls.js';

/**
 * What every resource of the fake REST API shares: Twilio's error shape, its checks of URLs and
 * methods, its dates, and its list pages.
 */

/**
 * Twilio's answer to one REST request: the status and the JSON body, or for a media file (a
 * recording's audio) the file's bytes and content type instead of JSON. `createdCall`: the call a
 * create request queued, for the request's record (not sent).
 */
export type Answer = {
  status: number;
  body: Record<string, unknown>;
  media?: { contentType: string; bytes: Uint8Array };
  createdCall?: CreatedCall;
};

/** A request's parameters: a GET's query or a POST's form body, by Twilio's names. */
export type Params = Record<string, string>;

/** Twilio's error JSON: `{ code, message, more_info, status }` (https://www.twilio.com/docs/usage/twilios-response). */
export function error(status: number, code: number, message: string): Answer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

export function notFound(path: string, why = ''): Answer {
  return error(404, 20404, `The requested resource ${path} was not found${why === '' ? '' : ` (${why})`}`);
}

export function absoluteUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Twilio ignores parameters it does not know; the fake refuses them, so that a misspelt name (which
 * Twilio would ignore, changing nothing) is noticed in tests.
 */
export function unknownField(params: Params, allowed: ReadonlySet<string>): Answer | undefined {
  const unknown = Object.keys(params).find((name) => !allowed.has(name));
  return unknown === undefined ? undefined : error(400, 20001, `Unknown parameter: ${unknown}`);
}

export function badMethod(params: Params, field: string): Answer | undefined {
  const value = params[field];
  return value === undefined || value === 'GET' || value === 'POST'
    ? undefined
    : error(400, 21205, `${field} must be GET or POST, not ${value}`);
}

/**
 * A webhook URL field: empty (which clears it) or an absolute http(s) URL. Twilio answers 21402
 * "Invalid Url" for a phone number's (https://www.twilio.com/docs/api/errors/21402); the fake uses it
 * for every resource.
 */
export function badUrl(params: Params, fields: readonly string[]): Answer | undefined {
  const field = fields.find((name) => {
    const value = params[name];
    return value !== undefined && value !== '' && !absoluteUrl(value);
  });
  return field === undefined ? undefined : error(400, 21402, `${field} is not a valid URL: ${params[field] ?? ''}`);
}

/** The first problem of a write's parameters, in Twilio's order: names, methods, URLs. */
export function invalidWrite(
  params: Params,
  allowed: ReadonlySet<string>,
  methodFields: readonly string[],
  urlFields: readonly string[],
): Answer | undefined {
  return unknownField(params, allowed) ?? methodFields.map((field) => badMethod(params, field)).find(Boolean) ?? badUrl(params, urlFields);
}

/** Twilio writes dates in RFC 2822 with a numeric zone: `Tue, 04 Aug 2026 10:05:09 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/** Twilio's default and largest page sizes (https://www.twilio.com/docs/usage/twilios-response#pagination). */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
/** The paging parameters every list accepts. */
export const PAGING_FIELDS: readonly string[] = ['PageSize', 'Page', 'PageToken'];

/**
 * One page of a list as Twilio answers it: the entries under the list's own key (`recordings`,
 * `incoming_phone_numbers`, ...) beside `page`, `page_size`, `start`, `end`, `uri`, `first_page_uri`,
 * `previous_page_uri` and `next_page_uri` (null on the last page), each URI keeping the filters.
 */
export function listPage(params: Params, entries: readonly Record<string, unknown>[], key: string, path: string): Answer {
  const pageSize = Number(params.PageSize ?? DEFAULT_PAGE_SIZE);
  const page = Number(params.Page ?? 0);
  // "20007: Page size too large" (https://www.twilio.com/docs/api/errors/20007).
  if (Number.isInteger(pageSize) && pageSize > MAX_PAGE_SIZE)
    return error(400, 20007, `PageSize must be at most ${MAX_PAGE_SIZE}, not ${params.PageSize ?? ''}`);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    return error(400, 20001, `PageSize must be 1 to ${MAX_PAGE_SIZE}, not ${params.PageSize ?? ''}`);
  if (!Number.isInteger(page) || page < 0) return error(400, 20001, `Page must be 0 or more, not ${params.Page ?? ''}`);
  const pageUri = (number: number): string => {
    const query = new URLSearchParams(Object.entries(params).filter(([name]) => name !== 'Page' && name !== 'PageToken'));
    query.set('PageSize', String(pageSize));
    query.set('Page', String(number));
    return `${path}?${query.toString()}`;
  };
  const start = page * pageSize;
  const slice = entries.slice(start, start + pageSize);
  const last = start + pageSize >= entries.length;
  return {
    status: 200,
    body: {
      [key]: slice,
      page,
      page_size: pageSize,
      start,
      end: start + Math.max(0, slice.length - 1),
      uri: pageUri(page),
      first_page_uri: pageUri(0),
      previous_page_uri: page === 0 ? null : pageUri(page - 1),
      next_page_uri: last ? null : pageUri(page + 1),
    },
  };
}

/** A new SID: the resource's two-letter prefix and 32 hex digits, as Twilio makes them. */
export function newSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}
