/**
 * Single-table design. Every item has `pk` and `sk`; the table has no secondary index.
 *
 * | item              | pk                          | sk                          | access pattern (function)                         |
 * |-------------------|-----------------------------|-----------------------------|---------------------------------------------------|
 * | member (user)     | `USER`                      | user id                     | configuration cache; list users                   |
 * | queue group       | `GROUP`                     | group id                    | configuration cache; list groups                  |
 * | number            | `NUMBER`                    | E.164 number                | configuration cache; list numbers                 |
 * | settings          | `SETTINGS`                  | `SETTINGS`                  | configuration cache                               |
 * | schedule          | `SCHEDULE`                  | schedule id                 | configuration cache (the override too); list schedules |
 * | extension claim   | `EXTENSION`                 | digits                      | configuration cache; one owner per extension      |
 * | config version    | `CONFIG`                    | `VERSION`                   | read with each webhook's first request; every admin write bumps it |
 * | config snapshot   | `CONFIG`                    | `SNAPSHOT`                  | the whole configuration at a version, for a cold instance's first request |
 * | presence          | `PRESENCE#<member id>`      | `PRESENCE`                  | ringing/busy marks, "member free" condition; per group the evenly rotation (`o#`/`k#<group>`) |
 * | offer leg         | `LEG#<CallSid of the leg>`  | `LEG`                       | order and dedupe a leg's status callbacks (TTL)   |
 * | call              | `CALL#<CallSid>`            | `CALL`                      | a call's life: offers, answer, waiting (TTL)      |
 * | call log          | `CALLLOG#<group>#<day>`     | `<ISO end>#<CallSid>`       | GET /calls per group and UTC day, newest first    |
 * | voicemail         | `VOICEMAIL`                 | `<ISO time>#<RecordingSid>` | list newest first (query, descending)             |
 * | waiting caller    | `LINE#<group id>`           | place: `<join ms>#<CallSid>`| the line in order (query its head), one entry per call |
 * | callback          | `CALLBACK#<group>#<number>` | `CALLBACK`                  | one callback per caller number per group at a time (conditional put, TTL) |
 * | report bucket     | `REPORT#<group>#<UTC day>`  | the bucket's start (ISO)    | counters per group and 15 minutes, added when a call's end is recorded |
 * | member bucket     | `REPORT#<group>#<UTC day>`  | `<bucket start>#<member>`   | a member's counters in the group, beside the group's bucket (one query reads both) |
 * | call event        | `CALL#<CallSid>`            | `EVENT#<step key>`          | the ledger: the call's story, queue_log (TTL 400 days) |
 * | status change     | `STATUSLOG#<member id>`     | the change's time (ISO)     | a member's time available and away in reports     |
 * | REST pace         | `RESTPACE`                  | `RESTPACE`                  | the next second a call may be created through the REST API (1 per second) |
 * | line's state      | `LINESTATE#<group id>`      | `LINESTATE`                 | the calls in a line with `maxCallers` (a join is refused when full); the line's recent pace (estimated wait) |
 * | pickup claim      | `PICKUP#<CallSid>`          | `PICKUP`                    | one picker per ringing call (conditional put)     |
 *
 * Scale (SPEC section 13): no partition key is written by every call of the deployment. The state a
 * call changes is keyed by the member (presence and the rotation), the group (line), the call
 * (call, leg, pickup) or the group and day (call log: a call that visited several groups is logged in
 * each group's partition, `-` for a call that reached no group). DynamoDB serves about 1000 writes per
 * second per partition key, so one group takes as many calls as its members can be rung, and the
 * deployment as many as there are groups and members. Configuration items stay one partition per kind:
 * they are written by administrators only and read through the per-instance cache.
 *
 * Migration: earlier versions kept presence, rotation and the call log each in one partition
 * (`PRESENCE`, `ROTATION`, `CALLLOG`, `LINESEQ`). No deployment exists yet, so nothing is migrated; a
 * deployment made from an earlier commit should be redeployed with a new table.
 *
 * Members, groups and schedules carry `referencedBy` (a string set such as `group:support`) so that deleting
 * something still referenced can be refused by a condition.
 */
export type Key = { pk: string; sk: string };

export const keys = {
  user: (id: string): Key => ({ pk: 'USER', sk: id }),
  group: (id: string): Key => ({ pk: 'GROUP', sk: id }),
  number: (e164: string): Key => ({ pk: 'NUMBER', sk: e164 }),
  schedule: (id: string): Key => ({ pk: 'SCHEDULE', sk: id }),
  settings: (): Key => ({ pk: 'SETTINGS', sk: 'SETTINGS' }),
  extension: (digits: string): Key => ({ pk: 'EXTENSION', sk: digits }),
  configVersion: (): Key => ({ pk: 'CONFIG', sk: 'VERSION' }),
  configSnapshot: (): Key => ({ pk: 'CONFIG', sk: 'SNAPSHOT' }),
  voicemail: (recordedAt: string, recordingSid: string): Key => ({ pk: 'VOICEMAIL', sk: `${recordedAt}#${recordingSid}` }),
  presence: (member: string): Key => ({ pk: `PRESENCE#${member}`, sk: 'PRESENCE' }),
  leg: (legSid: string): Key => ({ pk: `LEG#${legSid}`, sk: 'LEG' }),
  call: (callSid: string): Key => ({ pk: `CALL#${callSid}`, sk: 'CALL' }),
  callLog: (group: string | undefined, endedAt: string, callSid: string): Key => ({
    pk: partitions.callLog(group, endedAt.slice(0, 10)),
    sk: `${endedAt}#${callSid}`,
  }),
  lineEntry: (group: string, place: string): Key => ({ pk: partitions.line(group), sk: place }),
  lineState: (group: string): Key => ({ pk: `LINESTATE#${group}`, sk: 'LINESTATE' }),
  callback: (group: string, number: string): Key => ({ pk: `CALLBACK#${group}#${number}`, sk: 'CALLBACK' }),
  restPace: (): Key => ({ pk: 'RESTPACE', sk: 'RESTPACE' }),
  reportBucket: (group: string, day: string, start: string): Key => ({ pk: `REPORT#${group}#${day}`, sk: start }),
  memberBucket: (group: string, day: string, start: string, member: string): Key => ({
    pk: `REPORT#${group}#${day}`,
    sk: `${start}#${member}`,
  }),
  statusChange: (member: string, at: string): Key => ({ pk: `STATUSLOG#${member}`, sk: at }),
  pickup: (callSid: string): Key => ({ pk: `PICKUP#${callSid}`, sk: 'PICKUP' }),
} as const;

export const partitions = {
  users: 'USER',
  groups: 'GROUP',
  numbers: 'NUMBER',
  schedules: 'SCHEDULE',
  extensions: 'EXTENSION',
  voicemails: 'VOICEMAIL',
  settings: 'SETTINGS',
  config: 'CONFIG',
  /** `day` is the UTC date `YYYY-MM-DD` the call ended. */
  callLog: (group: string | undefined, day: string): string => `CALLLOG#${group ?? '-'}#${day}`,
  line: (group: string): string => `LINE#${group}`,
} as const;

/** A reference held by a document on a member, group or schedule it names, e.g. `group:support`. */
export type Reference = `${'group' | 'number' | 'schedule'}:${string}`;
export const reference = {
  group: (id: string): Reference => `group:${id}`,
  number: (e164: string): Reference => `number:${e164}`,
  schedule: (id: string): Reference => `schedule:${id}`,
};

/** Who owns an extension: `user:anna` or `group:support`. */
export type ExtensionOwner = { kind: 'user' | 'group'; id: string };
export function ownerToString(owner: ExtensionOwner): string {
  return `${owner.kind}:${owner.id}`;
}
export function ownerFromString(value: string): ExtensionOwner | undefined {
  const [kind, id] = value.split(':');
  return (kind === 'user' || kind === 'group') && id !== undefined && id !== '' ? { kind, id } : undefined;
}
