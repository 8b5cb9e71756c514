import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import {
  e164Schema,
  groupDocumentSchema,
  idSchema,
  memberStatusSchema,
  numberDocumentSchema,
  scheduleDocumentSchema,
  settingsDocumentSchema,
  userDocumentSchema,
  type Group,
  type Member,
  type Schedule,
} from '../commons/schemas.js';
import { nextChange, scheduleStatus } from '../routing/schedule.js';
import {
  deleteGroup,
  deleteNumber,
  deleteSchedule,
  deleteUser,
  putGroup,
  putNumber,
  putSchedule,
  putSettings,
  putUser,
  setUserStatus,
  type WriteOutcome,
} from '../store/admin-store.js';
import {
  getGroup,
  getMembers,
  getNumber,
  getSchedule,
  getSettings,
  listGroups,
  listMembers,
  listNumbers,
  listSchedules,
} from '../store/config-store.js';
import { listVoicemails } from '../store/voicemail-store.js';
import { DEFAULT_CALL_LOG_DAYS, listCalls } from '../store/call-store.js';
import { getGroupWithRotation, getMembersWithPresence } from '../store/config-store.js';
import { listLine, removeWaitingCaller } from '../store/line-store.js';
import { applyConfiguration, readConfigurationState, STALE_APPLY_MS } from '../store/configuration-apply.js';
import { configurationWarnings, desiredOf, diffConfiguration, documentOf, parseConfiguration } from './configuration.js';
import { liveView } from './live.js';
import { dispatchAfterStatus } from './dispatch.js';
import { badRequest, conflict, json, noContent, notFound, type AdminResult, type Problem } from './responses.js';
import { LIMIT_PROBLEM, limitOf, malformedPath, parseBody, timeOf, validate, validId } from './requests.js';
import { groupWarnings, numberWarnings } from './warnings.js';
import { voicemailAudio } from './voicemail-audio.js';
import { reportsRoute } from './reports.js';
import { explainRoute, queueLogRoute } from './call-story.js';
import { decodeCursor, pageOf } from './call-pages.js';
import { CALL_OUTCOMES, type CallOutcome } from '../routing/call-outcome.js';

/** The admin API (SPEC section 10): routes, validation with zod, and the answers. */

type Route = { method: string; pattern: RegExp; run: (match: string[], event: APIGatewayProxyEventV2) => Promise<AdminResult> };

const ID = '([^/]+)';
/** PUT /users/{id}/status: only the admin function reads it, so the voice function never builds it. */
const statusDocumentSchema = z.strictObject({ status: memberStatusSchema });
/** A Twilio CallSid: CA followed by 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid). */
const callSidSchema = z.string().regex(/^CA[0-9a-zA-Z]{32}$/, 'must be a CallSid: CA followed by 32 letters or digits');

/** A Twilio RecordingSid: RE followed by 32 hex digits. */
const recordingSidSchema = z.string().regex(/^RE[0-9a-fA-F]{32}$/, 'must be a RecordingSid: RE followed by 32 hex digits');

const isCallOutcome = (value: string): value is CallOutcome => (CALL_OUTCOMES as readonly string[]).includes(value);

const DAY_MS = 24 * 3600 * 1000;
/** The widest window GET /calls reads (one query per group and day). */
const MAX_CALL_LOG_WINDOW_DAYS = 366;

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

function memberView(member: Member & { statusSince?: string; statusReason?: string }): Member {
  const { statusSince: _since, statusReason: _reason, ...document } = member;
  return document;
}

async function groupView(group: Group, members?: ReadonlyMap<string, Member>): Promise<Record<string, unknown>> {
  const known = members ?? (await getMembers(group.members));
  return { ...group, warnings: groupWarnings(group, known) };
}

/** GET /schedules/{id}/status: open or closed at `atMs`, the rule that decided, and when that next changes. */
function scheduleStatusView(schedule: Schedule, atMs: number): Record<string, unknown> {
  const status = scheduleStatus(schedule, atMs);
  const next = nextChange(schedule, atMs);
  return {
    schedule: schedule.id,
    at: new Date(atMs).toISOString(),
    timeZone: schedule.timeZone,
    state: status.open ? 'open' : 'closed',
    ...status,
    ...(next === undefined ? {} : { nextChange: new Date(next).toISOString() }),
  };
}

/** A schedule as the API shows it: the document, its id, and its state now. */
function scheduleView(schedule: Schedule): Record<string, unknown> {
  const { schedule: _id, at: _at, timeZone: _zone, ...status } = scheduleStatusView(schedule, Date.now());
  return { ...schedule, status };
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
      // Back from away, or ready before their wrap-up ends: the member is offered the longest-waiting caller at once (SPEC 7, 15).
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
      const [{ group, rotation }, line] = await Promise.all([getGroupWithRotation(id.value), listLine(id.value)]);
      if (group === undefined) return notFound(`group ${id.value} not found`);
      const { members, presence } = await getMembersWithPresence(group.members);
      return json(200, liveView(group, members, presence, rotation, line, Math.floor(Date.now() / 1000)));
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/groups/${ID}/line/${ID}$`),
    run: async ([rawGroup, rawCall]) => {
      const id = validId('group id', rawGroup);
      if (!id.ok) return id.result;
      const call = validId('CallSid', rawCall, callSidSchema);
      if (!call.ok) return call.result;
      // An administrator removes a caller the line keeps by mistake; a caller still on the phone hears
      // the group's voicemail at their next hold-music request.
      const removed = await removeWaitingCaller(id.value, call.value);
      return removed ? noContent() : notFound(`call ${call.value} is not in the waiting line of group ${id.value}`);
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
      return written(await putNumber(e164.value, document.value), `number ${e164.value}`, () => ({
        ...number,
        warnings: numberWarnings(number),
      }));
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
  // Schedules (SPEC section 14)
  { method: 'GET', pattern: /^\/schedules$/, run: async () => json(200, { schedules: (await listSchedules()).map(scheduleView) }) },
  {
    method: 'GET',
    pattern: new RegExp(`^/schedules/${ID}$`),
    run: async ([raw]) => {
      const id = validId('schedule id', raw);
      if (!id.ok) return id.result;
      const schedule = await getSchedule(id.value);
      return schedule === undefined ? notFound(`schedule ${id.value} not found`) : json(200, scheduleView(schedule));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^/schedules/${ID}$`),
    run: async ([raw], event) => {
      const id = validId('schedule id', raw);
      if (!id.ok) return id.result;
      const document = validate(event, scheduleDocumentSchema);
      if (!document.ok) return document.result;
      return written(await putSchedule(id.value, document.value), `schedule ${id.value}`, () =>
        scheduleView({ ...document.value, id: id.value }),
      );
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/schedules/${ID}$`),
    run: async ([raw]) => {
      const id = validId('schedule id', raw);
      return id.ok ? deleted(await deleteSchedule(id.value), `schedule ${id.value}`) : id.result;
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/schedules/${ID}/status$`),
    run: async ([raw], event) => {
      const id = validId('schedule id', raw);
      if (!id.ok) return id.result;
      const at = new URLSearchParams(event.rawQueryString ?? '').get('at');
      const atMs = at === null ? Date.now() : timeOf(at);
      if (atMs === undefined)
        return badRequest('the query is invalid', [{ path: 'at', message: 'must be an ISO 8601 time such as 2026-12-24T16:30:00Z' }]);
      const schedule = await getSchedule(id.value);
      return schedule === undefined ? notFound(`schedule ${id.value} not found`) : json(200, scheduleStatusView(schedule, atMs));
    },
  },
  // The whole configuration (configuration as code)
  {
    method: 'GET',
    pattern: /^\/configuration$/,
    run: async () => {
      const state = await readConfigurationState();
      return { ...json(200, documentOf(state)), headers: { 'content-type': 'application/json', etag: `"${state.version}"` } };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/configuration$/,
    run: async (_match, event) => {
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const dryRun = query.get('dryRun');
      if (dryRun !== null && dryRun !== 'true' && dryRun !== 'false')
        return badRequest('the query is invalid', [{ path: 'dryRun', message: 'must be true or false' }]);
      const ifMatch = event.headers['if-match'];
      const expected = ifMatch === undefined ? undefined : /^(?:W\/)?"?([0-9]{1,15})"?$/.exec(ifMatch.trim())?.[1];
      if (ifMatch !== undefined && expected === undefined)
        return badRequest('the If-Match header is invalid', [
          { path: 'If-Match', message: 'must be the ETag of GET /configuration, such as "12"' },
        ]);
      const body = parseBody(event);
      if (!body.ok) return body.result;
      // Everything is checked before anything is written: every problem of the file at once.
      const parsed = parseConfiguration(body.value);
      if (!parsed.ok) return badRequest('the configuration is invalid; nothing was written', parsed.problems);
      const state = await readConfigurationState();
      if (expected !== undefined && Number(expected) !== state.version)
        return conflict(
          `the configuration changed since version ${expected} was read (it is now at version ${state.version}); nothing was written`,
        );
      const changes = diffConfiguration(documentOf(state), parsed.value);
      const warnings = configurationWarnings(parsed.value);
      const held = state.applyingSince !== undefined && Date.parse(state.applyingSince) > Date.now() - STALE_APPLY_MS;
      if (dryRun === 'true')
        return json(200, {
          applied: false,
          dryRun: true,
          version: state.version,
          changes,
          warnings,
          ...(held ? { applyingSince: state.applyingSince } : {}),
        });
      if (held) return conflict(`another apply holds the configuration since ${state.applyingSince}; try again when it has finished`);
      const outcome = await applyConfiguration(desiredOf(parsed.value), state.version);
      if (outcome.kind === 'conflict') return conflict(`${outcome.reason}; nothing of this apply is in use`);
      return json(200, { applied: outcome.kind === 'applied', version: outcome.version, changes, warnings });
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
    pattern: /^\/reports\/queue-log$/,
    run: async (_match, event) => queueLogRoute(new URLSearchParams(event.rawQueryString ?? '')),
  },
  {
    method: 'GET',
    pattern: /^\/calls\/([^/]+)\/explain$/,
    run: async (match, event) => explainRoute(decodeURIComponent(match[0] ?? ''), new URLSearchParams(event.rawQueryString ?? '')),
  },
  {
    method: 'GET',
    pattern: /^\/reports$/,
    run: async (_match, event) => reportsRoute(new URLSearchParams(event.rawQueryString ?? '')),
  },
  {
    method: 'GET',
    pattern: /^\/calls$/,
    run: async (_match, event) => {
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const problems: Problem[] = [];
      const group = query.get('group');
      if (group !== null && !idSchema.safeParse(group).success) problems.push({ path: 'group', message: 'must be a group id' });
      const since = query.get('since');
      const cursorText = query.get('cursor');
      const cursor = cursorText === null ? undefined : decodeCursor(cursorText);
      if (cursorText !== null && cursor === undefined)
        problems.push({ path: 'cursor', message: 'must be the `next` of an earlier answer' });
      // A cursor continues where its page ended: it is the `until` of the next page.
      const until = cursor?.until ?? query.get('until');
      for (const [name, value] of [
        ['since', since],
        ['until', until],
      ] as const)
        if (value !== null && timeOf(value) === undefined)
          problems.push({ path: name, message: 'must be an ISO 8601 time such as 2026-11-26T10:00:00Z' });
      const outcome = query.get('outcome');
      if (outcome !== null && !isCallOutcome(outcome))
        problems.push({ path: 'outcome', message: `must be one of ${CALL_OUTCOMES.join(', ')}` });
      const limit = limitOf(query);
      if (limit === undefined) problems.push(LIMIT_PROBLEM);
      if (problems.length > 0) return badRequest('the query is invalid', problems);
      // The log is read one day at a time, so the window is bounded: a since of year 1 would mean
      // hundreds of thousands of queries in one request.
      // Without until: up to a day ahead, as the store reads it (Twilio's clock may run ahead of ours).
      const untilMs = (until === null ? undefined : timeOf(until)) ?? Date.now() + DAY_MS;
      const sinceMs = (since === null ? undefined : timeOf(since)) ?? untilMs - DEFAULT_CALL_LOG_DAYS * DAY_MS;
      if (sinceMs > untilMs)
        return badRequest('the query is invalid', [
          { path: 'since', message: until === null ? 'must not be in the future when until is not given' : 'must not be after until' },
        ]);
      if (untilMs - sinceMs > MAX_CALL_LOG_WINDOW_DAYS * DAY_MS)
        return badRequest('the query is invalid', [
          { path: 'since', message: `since and until may be at most ${MAX_CALL_LOG_WINDOW_DAYS} days apart` },
        ]);
      const calls = await listCalls({
        ...(group === null ? { groups: (await listGroups()).map((known) => known.id) } : { group, groups: [group] }),
        ...(since === null ? {} : { since: new Date(sinceMs).toISOString() }),
        ...(until === null ? {} : { until: new Date(untilMs).toISOString() }),
        ...(outcome === null || !isCallOutcome(outcome) ? {} : { outcome }),
        limit: (limit ?? 100) + (cursor?.exclude.length ?? 0),
      });
      return json(200, pageOf(calls, limit ?? 100, cursor));
    },
  },
  {
    method: 'GET',
    pattern: /^\/voicemails$/,
    run: async (_match, event) => {
      const query = new URLSearchParams(event.rawQueryString ?? '');
      const group = query.get('group');
      if (group !== null && !idSchema.safeParse(group).success)
        return badRequest('the query is invalid', [{ path: 'group', message: 'must be a group id' }]);
      const limit = limitOf(query);
      if (limit === undefined) return badRequest('the query is invalid', [LIMIT_PROBLEM]);
      return json(200, { voicemails: await listVoicemails({ ...(group === null ? {} : { group }), limit }) });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/voicemails/${ID}/audio$`),
    run: async ([raw]) => {
      const sid = validId('recording SID', raw, recordingSidSchema);
      return sid.ok ? voicemailAudio(sid.value) : sid.result;
    },
  },
];

/** Route one admin request; unknown paths get 404, known paths with another method 405. */
export async function routeAdminRequest(event: APIGatewayProxyEventV2): Promise<AdminResult> {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, '') || '/';
  // Before routing: a path that cannot be decoded is the client's error on every route, known or not.
  const malformed = malformedPath(path);
  if (malformed !== undefined) return malformed;
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
