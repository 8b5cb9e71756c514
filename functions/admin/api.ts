import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import {
  e164Schema,
  groupDocumentSchema,
  idSchema,
  numberDocumentSchema,
  settingsDocumentSchema,
  statusDocumentSchema,
  userDocumentSchema,
  type Group,
  type Member,
} from '../commons/schemas.js';
import { deleteGroup, deleteNumber, deleteUser, putGroup, putNumber, putSettings, putUser, setUserStatus, type WriteOutcome } from '../store/admin-store.js';
import { getGroup, getMembers, getNumber, getSettings, listGroups, listMembers, listNumbers } from '../store/config-store.js';
import { listVoicemails } from '../store/voicemail-store.js';
import { listCalls } from '../store/call-store.js';
import { getGroupState, getMembersWithPresence } from '../store/config-store.js';
import { listLine } from '../store/line-store.js';
import { rotationFromItem } from '../store/rotation-store.js';
import { liveView } from './live.js';
import { dispatchAfterStatus } from './dispatch.js';
import { badRequest, conflict, json, noContent, notFound, problemsOf, type AdminResult } from './responses.js';
import { groupWarnings, numberWarnings } from './warnings.js';

/** The admin API (SPEC section 10): routes, validation with zod, and the answers. */

type Route = { method: string; pattern: RegExp; run: (match: string[], event: APIGatewayProxyEventV2) => Promise<AdminResult> };

const ID = '([^/]+)';

function parseBody(event: APIGatewayProxyEventV2): { ok: true; value: unknown } | { ok: false; result: AdminResult } {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (raw.trim() === '') return { ok: false, result: badRequest('the request needs a JSON body', [{ path: '$', message: 'body is empty' }]) };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, result: badRequest('the body is not valid JSON', [{ path: '$', message: error instanceof Error ? error.message : 'unparsable' }]) };
  }
}

/** Validate the body with `schema`; 400 lists every problem with its JSON path. */
function validate<T>(event: APIGatewayProxyEventV2, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; result: AdminResult } {
  const body = parseBody(event);
  if (!body.ok) return body;
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) return { ok: false, result: badRequest('the document is invalid', problemsOf(parsed.error)) };
  return { ok: true, value: parsed.data };
}

function validId(kind: string, raw: string | undefined, schema: z.ZodType<string> = idSchema): { ok: true; value: string } | { ok: false; result: AdminResult } {
  const value = decodeURIComponent(raw ?? '');
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, result: badRequest(`the ${kind} in the path is invalid`, parsed.error.issues.map((issue) => ({ path: kind, message: issue.message }))) };
  return { ok: true, value: parsed.data };
}

function written(outcome: WriteOutcome, what: string, body: () => unknown): AdminResult {
  switch (outcome.kind) {
    case 'written':
      return json(outcome.created ? 201 : 200, body());
    case 'not-found':
      return notFound(`${what} not found`);
    case 'conflict':
      return conflict(outcome.reason);
    default:
      return outcome satisfies never;
  }
}

function deleted(outcome: WriteOutcome, what: string): AdminResult {
  return outcome.kind === 'written' ? noContent() : written(outcome, what, () => ({}));
}

function memberView(member: Member & { statusSince?: string }): Member {
  const { statusSince: _since, ...document } = member;
  return document;
}

async function groupView(group: Group, members?: ReadonlyMap<string, Member>): Promise<Record<string, unknown>> {
  const known = members ?? (await getMembers(group.members));
  return { ...group, warnings: groupWarnings(group, known) };
}

const routes: Route[] = [
  // Members
  { method: 'GET', pattern: /^\/users$/, run: async () => json(200, { users: (await listMembers()).map(memberView) }) },
  {
    method: 'GET',
    pattern: new RegExp(`^/users/${ID}$`),
    run: async ([raw]) => {
      const id = validId('user id', raw);
      if (!id.ok) return id.result;
      const member = (await getMembers([id.value])).get(id.value);
      return member === undefined ? notFound(`user ${id.value} not found`) : json(200, memberView(member));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/users/${ID}$`),
    run: async ([raw], event) => {
      const id = validId('user id', raw);
      if (!id.ok) return id.result;
      const document = validate(event, userDocumentSchema);
      if (!document.ok) return document.result;
      const outcome = await putUser(id.value, document.value);
      return written(outcome, `user ${id.value}`, () => ({ id: id.value, ...document.value }));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/users/${ID}$`),
    run: async ([raw]) => {
      const id = validId('user id', raw);
      return id.ok ? deleted(await deleteUser(id.value), `user ${id.value}`) : id.result;
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/users/${ID}/status$`),
    run: async ([raw], event) => {
      const id = validId('user id', raw);
      if (!id.ok) return id.result;
      const document = validate(event, statusDocumentSchema);
      if (!document.ok) return document.result;
      const outcome = await setUserStatus(id.value, document.value.status);
      // Back from away: the member is offered the longest-waiting caller at once (SPEC section 7).
      if (outcome.kind === 'written' && document.value.status === 'available') await dispatchAfterStatus(id.value);
      return written(outcome, `user ${id.value}`, () => ({ id: id.value, status: document.value.status }));
    },
  },
  // Groups
  {
    method: 'GET',
    pattern: /^\/groups$/,
    run: async () => {
      const [groups, members] = await Promise.all([listGroups(), listMembers()]);
      const byId = new Map(members.map((member) => [member.id, member]));
      return json(200, { groups: await Promise.all(groups.map((group) => groupView(group, byId))) });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/groups/${ID}$`),
    run: async ([raw]) => {
      const id = validId('group id', raw);
      if (!id.ok) return id.result;
      const group = await getGroup(id.value);
      return group === undefined ? notFound(`group ${id.value} not found`) : json(200, await groupView(group));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/groups/${ID}$`),
    run: async ([raw], event) => {
      const id = validId('group id', raw);
      if (!id.ok) return id.result;
      const document = validate(event, groupDocumentSchema);
      if (!document.ok) return document.result;
      const outcome = await putGroup(id.value, document.value);
      if (outcome.kind !== 'written') return written(outcome, `group ${id.value}`, () => ({}));
      return json(outcome.created ? 201 : 200, await groupView({ ...document.value, id: id.value }));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/groups/${ID}/live$`),
    run: async ([raw]) => {
      const id = validId('group id', raw);
      if (!id.ok) return id.result;
      const [{ group, rotationItem }, line] = await Promise.all([getGroupState(id.value, false), listLine(id.value)]);
      if (group === undefined) return notFound(`group ${id.value} not found`);
      const { members, presence } = await getMembersWithPresence(group.members);
      return json(200, liveView(group, members, presence, rotationFromItem(rotationItem), line, Math.floor(Date.now() / 1000)));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/groups/${ID}$`),
    run: async ([raw]) => {
      const id = validId('group id', raw);
      return id.ok ? deleted(await deleteGroup(id.value), `group ${id.value}`) : id.result;
    },
  },
  // Numbers
  {
    method: 'GET',
    pattern: /^\/numbers$/,
    run: async () => json(200, { numbers: (await listNumbers()).map((number) => ({ ...number, warnings: numberWarnings(number) })) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/numbers/${ID}$`),
    run: async ([raw]) => {
      const e164 = validId('number', raw, e164Schema);
      if (!e164.ok) return e164.result;
      const number = await getNumber(e164.value);
      return number === undefined ? notFound(`number ${e164.value} not found`) : json(200, { ...number, warnings: numberWarnings(number) });
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/numbers/${ID}$`),
    run: async ([raw], event) => {
      const e164 = validId('number', raw, e164Schema);
      if (!e164.ok) return e164.result;
      const document = validate(event, numberDocumentSchema);
      if (!document.ok) return document.result;
      const number = { ...document.value, number: e164.value };
      return written(await putNumber(e164.value, document.value), `number ${e164.value}`, () => ({ ...number, warnings: numberWarnings(number) }));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/numbers/${ID}$`),
    run: async ([raw]) => {
      const e164 = validId('number', raw, e164Schema);
      return e164.ok ? deleted(await deleteNumber(e164.value), `number ${e164.value}`) : e164.result;
    },
  },
  // Settings and voicemails
  { method: 'GET', pattern: /^\/settings$/, run: async () => json(200, await getSettings()) },
  {
    method: 'PUT',
    pattern: /^\/settings$/,
    run: async (_match, event) => {
      const document = validate(event, settingsDocumentSchema);
      if (!document.ok) return document.result;
      await putSettings(document.value);
      return json(200, document.value);
    },
  },
  {
    method: 'GET',
    pattern: /^\/calls$/,
    run: async (_match, event) => {
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const problems = [];
      const group = query.get('group');
      if (group !== null && !idSchema.safeParse(group).success) problems.push({ path: 'group', message: 'must be a group id' });
      const since = query.get('since');
      const until = query.get('until');
      for (const [name, value] of [['since', since], ['until', until]] as const) if (value !== null && Number.isNaN(Date.parse(value))) problems.push({ path: name, message: 'must be an ISO 8601 time such as 2026-11-26T10:00:00Z' });
      const limitText = query.get('limit');
      const limit = limitText === null ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) problems.push({ path: 'limit', message: 'must be an integer from 1 to 1000' });
      if (problems.length > 0) return badRequest('the query is invalid', problems);
      const calls = await listCalls({
        ...(group === null ? {} : { group }),
        ...(since === null ? {} : { since: new Date(since).toISOString() }),
        ...(until === null ? {} : { until: new Date(until).toISOString() }),
        limit,
      });
      return json(200, { calls });
    },
  },
  {
    method: 'GET',
    pattern: /^\/voicemails$/,
    run: async (_match, event) => {
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const group = query.get('group');
      if (group !== null && !idSchema.safeParse(group).success) return badRequest('the query is invalid', [{ path: 'group', message: 'must be a group id' }]);
      const limitText = query.get('limit');
      const limit = limitText === null ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest('the query is invalid', [{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
      return json(200, { voicemails: await listVoicemails({ ...(group === null ? {} : { group }), limit }) });
    },
  },
];

/** Route one admin request; unknown paths get 404, known paths with another method 405. */
export async function routeAdminRequest(event: APIGatewayProxyEventV2): Promise<AdminResult> {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, '') || '/';
  const matching = routes.filter((route) => route.pattern.test(path));
  const route = matching.find((candidate) => candidate.method === method);
  if (route === undefined) {
    return matching.length > 0
      ? json(405, { error: `${method} is not allowed on ${path}; use ${matching.map((candidate) => candidate.method).join(', ')}` })
      : notFound(`no admin route ${method} ${path}`);
  }
  const match = route.pattern.exec(path)?.slice(1) ?? [];
  return route.run(match, event);
}
