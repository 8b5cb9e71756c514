/**
 * Single-table design. Every item has `pk` and `sk`; the table has no secondary index yet.
 *
 * | item              | pk          | sk                      | access pattern (function)                      |
 * |-------------------|-------------|-------------------------|------------------------------------------------|
 * | member (user)     | `USER`      | user id                 | get / batch get / list users                   |
 * | queue group       | `GROUP`     | group id                | get / list groups                              |
 * | number            | `NUMBER`    | E.164 number            | incoming call by `To`; list numbers            |
 * | settings          | `SETTINGS`  | `SETTINGS`              | get settings                                   |
 * | extension claim   | `EXTENSION` | digits                  | route dialled digits; one owner per extension  |
 * | evenly rotation   | `ROTATION`  | group id                | choose + record an offer (conditional update)  |
 * | voicemail         | `VOICEMAIL` | `<ISO time>#<RecordingSid>` | list newest first (query, descending)      |
 * | presence          | `PRESENCE`  | member id               | ringing/busy marks; conditional "member free"  |
 * | offer leg         | `LEG#<CallSid of the leg>` | `LEG`    | order and dedupe a leg's status callbacks (TTL) |
 * | call              | `CALL#<CallSid>` | `CALL`             | a call's life: answered by, voicemail, waiting (TTL) |
 * | call log          | `CALLLOG`   | `<ISO end>#<CallSid>`   | GET /calls newest first, by time range         |
 * | waiting caller    | `LINE#<group id>` | `<place>#<CallSid>` | the waiting line in order of joining (query)  |
 * | line counter      | `LINESEQ`   | group id                | the next place in a group's line (ADD)         |
 * | pickup claim      | `PICKUP#<CallSid>` | `PICKUP`         | one picker per ringing call (conditional put)  |
 *
 * Configuration items (`USER`, `GROUP`, `NUMBER`, `EXTENSION`) are few and small, so one partition
 * per kind keeps listing to one query. Members and groups carry `referencedBy` (a string set such as
 * `group:support`) so that deleting something still referenced can be refused by a condition.
 */
export type Key = { pk: string; sk: string };

export const keys = {
  user: (id: string): Key => ({ pk: 'USER', sk: id }),
  group: (id: string): Key => ({ pk: 'GROUP', sk: id }),
  number: (e164: string): Key => ({ pk: 'NUMBER', sk: e164 }),
  settings: (): Key => ({ pk: 'SETTINGS', sk: 'SETTINGS' }),
  extension: (digits: string): Key => ({ pk: 'EXTENSION', sk: digits }),
  rotation: (groupId: string): Key => ({ pk: 'ROTATION', sk: groupId }),
  voicemail: (recordedAt: string, recordingSid: string): Key => ({ pk: 'VOICEMAIL', sk: `${recordedAt}#${recordingSid}` }),
  presence: (member: string): Key => ({ pk: 'PRESENCE', sk: member }),
  leg: (legSid: string): Key => ({ pk: `LEG#${legSid}`, sk: 'LEG' }),
  call: (callSid: string): Key => ({ pk: `CALL#${callSid}`, sk: 'CALL' }),
  callLog: (endedAt: string, callSid: string): Key => ({ pk: 'CALLLOG', sk: `${endedAt}#${callSid}` }),
  lineEntry: (group: string, place: string, callSid: string): Key => ({ pk: `LINE#${group}`, sk: `${place}#${callSid}` }),
  lineCounter: (group: string): Key => ({ pk: 'LINESEQ', sk: group }),
  pickup: (callSid: string): Key => ({ pk: `PICKUP#${callSid}`, sk: 'PICKUP' }),
} as const;

export const partitions = {
  users: 'USER',
  groups: 'GROUP',
  numbers: 'NUMBER',
  extensions: 'EXTENSION',
  voicemails: 'VOICEMAIL',
  rotations: 'ROTATION',
  settings: 'SETTINGS',
  presence: 'PRESENCE',
  callLog: 'CALLLOG',
  line: (group: string): string => `LINE#${group}`,
} as const;

/** A reference held by a document on a member or group it names, e.g. `group:support`. */
export type Reference = `${'group' | 'number'}:${string}`;
export const reference = {
  group: (id: string): Reference => `group:${id}`,
  number: (e164: string): Reference => `number:${e164}`,
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
