import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Group, Member, PhoneNumber, Settings } from '../commons/schemas.js';
import type { Presence } from '../routing/eligibility.js';
import { presenceFromItems } from './presence-store.js';
import { isRotationItem } from './rotation-store.js';
import { batchGet, queryPartition } from './configuration.js';
import { send, tableName } from './client.js';
import { keys, ownerFromString, partitions, type ExtensionOwner, type Key } from './keys.js';
import { groupFromItem, memberFromItem, numberFromItem, settingsFromItem, type StoredItem } from './items.js';

/** Read access to the configuration (members, groups, numbers, settings, extensions). */

export async function getItem(key: Key, consistent = false): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent }));
  return Item;
}

export { batchGet, queryPartition };

/** Incoming call: the number called (by `To`) and the settings, in one request. */
export async function getNumberAndSettings(e164: string | undefined): Promise<{ number: PhoneNumber | undefined; settings: Settings }> {
  const items = await batchGet([...(e164 === undefined ? [] : [keys.number(e164)]), keys.settings()]);
  const numberItem = items.find((item) => item.pk === partitions.numbers);
  return { number: numberItem === undefined ? undefined : numberFromItem(numberItem), settings: settingsFromItem(items.find((item) => item.pk === 'SETTINGS')) };
}

/**
 * A group about to distribute a call, with its evenly rotation item and (unless known) the settings,
 * in one request. The rotation is read whatever the distribution: a missing item costs nothing.
 */
export async function getGroupState(groupId: string, withSettings: boolean): Promise<{ group: Group | undefined; rotationItem: StoredItem | undefined; settings: Settings | undefined }> {
  const items = await batchGet([keys.group(groupId), keys.rotation(groupId), ...(withSettings ? [keys.settings()] : [])]);
  const groupItem = items.find((item) => item.pk === partitions.groups);
  return {
    group: groupItem === undefined ? undefined : groupFromItem(groupItem),
    rotationItem: items.find((item) => isRotationItem(item, groupId)),
    settings: withSettings ? settingsFromItem(items.find((item) => item.pk === partitions.settings)) : undefined,
  };
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
export async function getMembersWithPresence(ids: Iterable<string>): Promise<{ members: Map<string, Member>; presence: Map<string, Presence> }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { members: new Map(), presence: new Map() };
  const items = await batchGet(unique.flatMap((id) => [keys.user(id), keys.presence(id)]));
  const members = new Map(items.filter((item) => item.pk === partitions.users).map((item) => [String(item.sk), memberFromItem(item)]));
  const presence: Map<string, Presence> = presenceFromItems(items);
  return { members, presence };
}

export async function getSettings(): Promise<Settings> {
  return settingsFromItem(await getItem(keys.settings()));
}

/** Dialled digits: who owns this extension, if anyone. */
export async function getExtensionOwner(digits: string): Promise<ExtensionOwner | undefined> {
  const item = await getItem(keys.extension(digits));
  return typeof item?.owner === 'string' ? ownerFromString(item.owner) : undefined;
}

/** The longest extension in use, for the greeting's <Gather numDigits>; 0 when none exists. */
export async function longestExtension(): Promise<number> {
  const items = await queryPartition(partitions.extensions);
  return items.reduce((longest, item) => Math.max(longest, String(item.sk).length), 0);
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
