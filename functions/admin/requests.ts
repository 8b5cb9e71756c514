import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { idSchema } from '../commons/schemas.js';
import { badRequest, jsonPath, problemsOf, type AdminResult, type Problem } from './responses.js';

/**
 * Reading an admin request (SPEC section 10): the body (UTF-8 JSON without lone surrogates), the
 * path's segments and ids, the query's `limit` and times; each refusal names what is wrong.
 */

const YEAR_0_MS = Date.parse('0000-01-01T00:00:00Z');
const YEAR_10000_MS = Date.parse('+010000-01-01T00:00:00Z');

export const LIMIT_PROBLEM: Problem = { path: 'limit', message: 'must be an integer from 1 to 1000' };

/**
 * A query's `limit` (100 when absent); undefined unless it is written in decimal digits, since
 * Number() would also read `0x10`, `1e3` or ` 5 ` as numbers.
 */
export function limitOf(query: URLSearchParams): number | undefined {
  const text = query.get('limit');
  if (text === null) return 100;
  const limit = /^[0-9]{1,4}$/.test(text) ? Number(text) : Number.NaN;
  return limit >= 1 && limit <= 1000 ? limit : undefined;
}

/**
 * A query's time in epoch milliseconds; undefined when it is not a time, or lies outside years 0 to
 * 9999, whose ISO strings (`+010000-…`) would not sort among the call log's keys.
 */
export function timeOf(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms < YEAR_0_MS || ms >= YEAR_10000_MS ? undefined : ms;
}

/** Bytes that are not UTF-8 are refused rather than silently replaced by U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A UTF-16 code unit of a surrogate pair standing alone (the `u` flag makes whole pairs one character). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A place in a parsed body: its key and the place that holds it, so a path is built only when needed. */
type Place = { key: PropertyKey; parent: Place | undefined } | undefined;

function pathOf(place: Place): string {
  const keys: PropertyKey[] = [];
  for (let at = place; at !== undefined; at = at.parent) keys.unshift(at.key);
  return jsonPath(keys);
}

/**
 * Every string (value or field name) in a parsed body that holds a lone surrogate, by JSON path (the
 * first 10). JSON allows `"\ud800"`, but it is no Unicode text: it cannot be written as UTF-8 (to
 * DynamoDB, into TwiML) without being changed. The walk keeps its own stack and builds no path until
 * it finds a problem, since a body may nest deeper than the call stack allows.
 */
function loneSurrogates(body: unknown): Problem[] {
  const problems: Problem[] = [];
  const pending: { value: unknown; place: Place }[] = [{ value: body, place: undefined }];
  for (let next = pending.pop(); next !== undefined && problems.length < 10; next = pending.pop()) {
    const { value, place } = next;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value))
        problems.push({ path: pathOf(place), message: 'contains a lone UTF-16 surrogate, which is not Unicode text' });
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => pending.push({ value: item, place: { key: index, parent: place } }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key))
          problems.push({ path: pathOf(place), message: 'has a field name with a lone UTF-16 surrogate, which is not Unicode text' });
        pending.push({ value: item, place: { key, parent: place } });
      }
    }
  }
  return problems;
}

export function parseBody(event: APIGatewayProxyEventV2): { ok: true; value: unknown } | { ok: false; result: AdminResult } {
  let raw = event.body ?? '';
  if (event.isBase64Encoded) {
    try {
      raw = utf8.decode(Buffer.from(raw, 'base64'));
    } catch {
      return { ok: false, result: badRequest('the body is not UTF-8 text', [{ path: '$', message: 'send the document as UTF-8 JSON' }]) };
    }
  }
  if (raw.trim() === '')
    return { ok: false, result: badRequest('the request needs a JSON body', [{ path: '$', message: 'body is empty' }]) };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      result: badRequest('the body is not valid JSON', [{ path: '$', message: error instanceof Error ? error.message : 'unparsable' }]),
    };
  }
  const surrogates = loneSurrogates(value);
  if (surrogates.length > 0) return { ok: false, result: badRequest('the body holds text that is not Unicode', surrogates) };
  return { ok: true, value };
}

/** Validate the body with `schema`; 400 lists every problem with its JSON path. */
export function validate<T>(
  event: APIGatewayProxyEventV2,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; result: AdminResult } {
  const body = parseBody(event);
  if (!body.ok) return body;
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) return { ok: false, result: badRequest('the document is invalid', problemsOf(parsed.error)) };
  return { ok: true, value: parsed.data };
}

/** One path segment percent-decoded; undefined when its percent-encoding is malformed (`%`, `%zz`, `%E0%A4%A`). */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A path segment quoted for an error message, cut short so a huge path is not echoed whole. */
function quoted(segment: string): string {
  return JSON.stringify(segment.length > 80 ? `${segment.slice(0, 80)}…` : segment);
}

/** 400 for the first path segment whose percent-encoding is malformed; undefined when all decode. */
export function malformedPath(path: string): AdminResult | undefined {
  const malformed = path.split('/').filter((segment) => decodePathSegment(segment) === undefined);
  const [first] = malformed;
  if (first === undefined) return undefined;
  return badRequest(
    `path segment ${quoted(first)} is not valid percent-encoding`,
    malformed.map((segment) => ({
      path: 'path',
      message: `segment ${quoted(segment)}: each "%" must be followed by two hexadecimal digits, and the bytes they spell must be UTF-8`,
    })),
  );
}

export function validId(
  kind: string,
  raw: string | undefined,
  schema: z.ZodType<string> = idSchema,
): { ok: true; value: string } | { ok: false; result: AdminResult } {
  // routeAdminRequest has refused malformed segments already; an undefined here fails the schema.
  const parsed = schema.safeParse(decodePathSegment(raw ?? ''));
  if (!parsed.success)
    return {
      ok: false,
      result: badRequest(
        `the ${kind} in the path is invalid`,
        parsed.error.issues.map((issue) => ({ path: kind, message: issue.message })),
      ),
    };
  return { ok: true, value: parsed.data };
}
