import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Group, Member, PhoneNumber, Schedule, Settings } from '../commons/schemas.js';
import type { Presence } from '../routing/eligibility.js';
import { presenceFromItems } from './presence-store.js';
import { rotationFromPresence, type RotationState } from './rotation-store.js';
import { batchGet, queryPartition } from './configuration.js';
import { send, tableName } from './client.js';
import { keys, partitions, type Key } from './keys.js';
import { groupFromItem, memberFromItem, numberFromItem, scheduleFromItem, settingsFromItem, type StoredItem } from './items.js';

/**
 * The admin API's reads of the configuration (members, groups, numbers, settings), straight from the
 * table: an administrator sees what was just written. The voice webhooks read the per-instance cache
 * (configuration.ts) instead.
 */

async function getItem(key: Key): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** GET /groups/{id}/live: the group with its evenly rotation (from its members' presence). */
export async function getGroupWithRotation(groupId: string): Promise<{ group: Group | undefined; rotation: RotationState }> {
  const group = await getGroup(groupId);
  if (group === undefined) return { group, rotation: rotationFromPresence([], groupId) };
  return { group, rotation: rotationFromPresence(await batchGet(group.members.map((member) => keys.presence(member))), groupId) };
}

/** The number called, by `To`. */
export async function getNumber(e164: string): Promise<PhoneNumber | undefined> {
  const item = await getItem(keys.number(e164));
  return item === undefined ? undefined : numberFromItem(item);
}

export async function getGroup(id: string): Promise<Group | undefined> {
  const item = await getItem(keys.group(id));
  return item === undefined ? undefined : groupFromItem(item);
}

/** The members with these ids that exist, by id. */
export async function getMembers(ids: Iterable<string>): Promise<Map<string, Member>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const items = await batchGet(unique.map((id) => keys.user(id)));
  return new Map(items.map((item) => memberFromItem(item)).map((member) => [member.id, member]));
}

/** The members with these ids that exist, with their ringing and busy marks, in one request. */
export async function getMembersWithPresence(
  ids: Iterable<string>,
): Promise<{ members: Map<string, Member>; presence: Map<string, Presence> }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { members: new Map(), presence: new Map() };
  const items = await batchGet(unique.flatMap((id) => [keys.user(id), keys.presence(id)]));
  const members = new Map(items.filter((item) => item.pk === partitions.users).map((item) => [String(item.sk), memberFromItem(item)]));
  const presence: Map<string, Presence> = presenceFromItems(items);
  return { members, presence };
}

export async function getSchedule(id: string): Promise<Schedule | undefined> {
  const item = await getItem(keys.schedule(id));
  return item === undefined ? undefined : scheduleFromItem(item);
}

export async function getSettings(): Promise<Settings> {
  return settingsFromItem(await getItem(keys.settings()));
}

/** GET /users, /groups, /numbers: every document of one kind, ordered by id. */
export async function listMembers(): Promise<Member[]> {
  return (await queryPartition(partitions.users)).map(memberFromItem);
}
export async function listGroups(): Promise<Group[]> {
  return (await queryPartition(partitions.groups)).map(groupFromItem);
}
export async function listNumbers(): Promise<PhoneNumber[]> {
  return (await queryPartition(partitions.numbers)).map(numberFromItem);
}
export async function listSchedules(): Promise<Schedule[]> {
  return (await queryPartition(partitions.schedules)).map(scheduleFromItem);
}
