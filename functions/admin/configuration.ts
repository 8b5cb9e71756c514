import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import {
  defaultSettings,
  e164Schema,
  groupDocumentSchema,
  idSchema,
  numberDocumentSchema,
  scheduleDocumentSchema,
  settingsDocumentSchema,
  userDocumentSchema,
  type GroupDocument,
  type Member,
  type NumberDocument,
  type ScheduleDocument,
  type LineAction,
  type WhenNobodyAnswers,
  type UserDocument,
} from '../commons/schemas.js';
import type { ConfigurationState, DesiredConfiguration } from '../store/configuration-apply.js';
import { jsonPath, problemsOf, type Problem } from './responses.js';
import { groupWarnings, numberWarnings } from './warnings.js';

/**
 * Configuration as code (SPEC section 19): the whole configuration as one document, the shape of
 * `GET /configuration` and `PUT /configuration`: members, groups and numbers by id, and the settings.
 * Members' status (available or away) is not configuration: the members set it themselves, an
 * apply keeps it, and a new member starts available.
 */
export const configurationDocumentSchema = z.strictObject({
  users: z.record(idSchema, userDocumentSchema).default({}),
  groups: z.record(idSchema, groupDocumentSchema).default({}),
  numbers: z.record(e164Schema, numberDocumentSchema).default({}),
  schedules: z.record(idSchema, scheduleDocumentSchema).default({}),
  settings: settingsDocumentSchema.default(defaultSettings),
});
export type ConfigurationDocument = z.infer<typeof configurationDocumentSchema>;

/** The stored configuration as a document: what `GET /configuration` answers and an apply compares against. */
export function documentOf(state: ConfigurationState): ConfigurationDocument {
  const userDocument = ({ id: _id, status: _status, ...document }: Member): UserDocument => document;
  return {
    users: Object.fromEntries(state.members.map((member) => [member.id, userDocument(member)])),
    groups: Object.fromEntries(state.groups.map(({ id, ...group }) => [id, group])),
    numbers: Object.fromEntries(state.numbers.map(({ number, ...document }) => [number, document])),
    schedules: Object.fromEntries(state.schedules.map(({ id, ...schedule }) => [id, schedule])),
    settings: state.settings,
  };
}

/**
 * What a document's parts name that must exist in the same document, and the extensions that must be
 * unique: the checks each admin write makes with conditions, made on the whole file before anything
 * is written, so every problem is listed at once.
 */
export function referenceProblems(document: ConfigurationDocument): Problem[] {
  const problems: Problem[] = [];
  const users = new Set(Object.keys(document.users));
  const groups = new Set(Object.keys(document.groups));
  const schedules = new Set(Object.keys(document.schedules));
  const actionProblems = (action: WhenNobodyAnswers | LineAction | undefined, path: readonly PropertyKey[]): void => {
    if (action?.action === 'wait-for-agent') {
      actionProblems(action.whenFull, [...path, 'whenFull']);
      actionProblems(action.whenNobodyAvailable, [...path, 'whenNobodyAvailable']);
      actionProblems(action.whenMaxWait, [...path, 'whenMaxWait']);
    }
    if (action?.action === 'forward-to-mobile' && action.member !== undefined && !users.has(action.member))
      problems.push({ path: jsonPath([...path, 'member']), message: `names user ${action.member}, which is not in users` });
    if (action?.action === 'forward-to-group' && !groups.has(action.group))
      problems.push({ path: jsonPath([...path, 'group']), message: `names group ${action.group}, which is not in groups` });
  };
  const scheduleProblem = (schedule: string | undefined, path: readonly PropertyKey[]) => {
    if (schedule !== undefined && !schedules.has(schedule))
      problems.push({ path: jsonPath(path), message: `names schedule ${schedule}, which is not in schedules` });
  };
  const extensionOwners = new Map<string, string>();
  const claim = (extension: string | undefined, owner: string, path: readonly PropertyKey[]) => {
    if (extension === undefined) return;
    const other = extensionOwners.get(extension);
    if (other === undefined) extensionOwners.set(extension, owner);
    else problems.push({ path: jsonPath(path), message: `extension ${extension} is already used by ${other}` });
  };
  for (const [id, user] of Object.entries(document.users)) claim(user.extension, `user ${id}`, ['users', id, 'extension']);
  for (const [id, group] of Object.entries(document.groups)) {
    claim(group.extension, `group ${id}`, ['groups', id, 'extension']);
    group.members.forEach((member, index) => {
      if (!users.has(member))
        problems.push({ path: jsonPath(['groups', id, 'members', index]), message: `names user ${member}, which is not in users` });
    });
    actionProblems(group.whenNobodyAnswers, ['groups', id, 'whenNobodyAnswers']);
    actionProblems(group.whenClosed, ['groups', id, 'whenClosed']);
    scheduleProblem(group.schedule, ['groups', id, 'schedule']);
  }
  for (const [e164, number] of Object.entries(document.numbers)) {
    if (number.group !== undefined && !groups.has(number.group))
      problems.push({ path: jsonPath(['numbers', e164, 'group']), message: `names group ${number.group}, which is not in groups` });
    actionProblems(number.whenClosed, ['numbers', e164, 'whenClosed']);
    scheduleProblem(number.schedule, ['numbers', e164, 'schedule']);
  }
  for (const [id, schedule] of Object.entries(document.schedules))
    (schedule.toggledBy ?? []).forEach((member, index) => {
      if (!users.has(member))
        problems.push({ path: jsonPath(['schedules', id, 'toggledBy', index]), message: `names user ${member}, which is not in users` });
    });
  return problems;
}

/** Parse and check a whole configuration; every problem with its JSON path. */
export function parseConfiguration(body: unknown): { ok: true; value: ConfigurationDocument } | { ok: false; problems: Problem[] } {
  const parsed = configurationDocumentSchema.safeParse(body);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const problems = referenceProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: parsed.data };
}

export function desiredOf(document: ConfigurationDocument): DesiredConfiguration {
  return {
    users: new Map(Object.entries(document.users)),
    groups: new Map(Object.entries(document.groups)),
    numbers: new Map(Object.entries(document.numbers)),
    schedules: new Map(Object.entries(document.schedules)),
    settings: document.settings,
  };
}

/** One field of a document that an apply changes. */
export type FieldChange = { field: string; before?: unknown; after?: unknown };

/** One document an apply creates, updates or deletes: the readable diff. */
export type Change = {
  action: 'create' | 'update' | 'delete';
  kind: 'user' | 'group' | 'number' | 'schedule' | 'settings';
  id: string;
  fields: FieldChange[];
};

function fieldChanges(before: object | undefined, after: object | undefined): FieldChange[] {
  const was = (before ?? {}) as Record<string, unknown>;
  const will = (after ?? {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(was), ...Object.keys(will)])].sort();
  return fields
    .filter((field) => !isDeepStrictEqual(was[field], will[field]))
    .map((field) => ({
      field,
      ...(was[field] === undefined ? {} : { before: was[field] }),
      ...(will[field] === undefined ? {} : { after: will[field] }),
    }));
}

function kindChanges<T extends object>(kind: Change['kind'], current: Record<string, T>, desired: Record<string, T>): Change[] {
  const ids = [...new Set([...Object.keys(current), ...Object.keys(desired)])].sort();
  return ids.flatMap((id): Change[] => {
    const before = current[id];
    const after = desired[id];
    const fields = fieldChanges(before, after);
    if (fields.length === 0) return [];
    return [{ action: before === undefined ? 'create' : after === undefined ? 'delete' : 'update', kind, id, fields }];
  });
}

/** What applying `desired` over `current` changes, document by document and field by field. */
export function diffConfiguration(current: ConfigurationDocument, desired: ConfigurationDocument): Change[] {
  const settings = fieldChanges(current.settings, desired.settings);
  return [
    ...kindChanges<UserDocument>('user', current.users, desired.users),
    ...kindChanges<GroupDocument>('group', current.groups, desired.groups),
    ...kindChanges<NumberDocument>('number', current.numbers, desired.numbers),
    ...kindChanges<ScheduleDocument>('schedule', current.schedules, desired.schedules),
    ...(settings.length === 0 ? [] : [{ action: 'update' as const, kind: 'settings' as const, id: 'settings', fields: settings }]),
  ];
}

/** The warnings the document endpoints would give for each group and number, all together. */
export function configurationWarnings(document: ConfigurationDocument): string[] {
  const members = new Map<string, Member>(Object.entries(document.users).map(([id, user]) => [id, { ...user, id, status: 'available' }]));
  return [
    ...Object.entries(document.groups).flatMap(([id, group]) =>
      groupWarnings({ ...group, id }, members).map((warning) => (warning.startsWith(`group ${id}:`) ? warning : `group ${id}: ${warning}`)),
    ),
    ...Object.entries(document.numbers).flatMap(([number, document]) =>
      numberWarnings({ ...document, number }).map((warning) => `number ${number}: ${warning}`),
    ),
  ];
}
