import type { Rotation } from '../routing/distribution.js';
import { tableName } from './client.js';
import { keys } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The evenly rotation of a group (one item per group). Per member it holds `o#<id>`, the sequence
 * number of their last offer, and `k#<id>`, the offer key (`<CallSid>:<group>:<attempt>`) of that
 * offer; `seq` counts offers made in the group. It is written only inside a claim (store/claims.ts).
 */
const offerAttribute = (memberId: string): string => `o#${memberId}`;
const offerKeyAttribute = (memberId: string): string => `k#${memberId}`;

/**
 * The choice is valid only while the chosen member's last offer is still the one we read: any offer
 * to them in between moves them to the end of the rotation, so another member may now be due.
 * Offers to other members only push those members back, which never makes our choice wrong.
 */
const CHOSEN_MEMBER_UNCHANGED = '#offer = :previous';
const CHOSEN_MEMBER_NEVER_OFFERED = 'attribute_not_exists(#offer)';

/** The rotation as the routing core sees it, plus what a repeated webhook needs. */
export type RotationState = Rotation & {
  /** Offer key -> the member who got that offer (a repeated webhook gets the same member). */
  readonly offerKeys: ReadonlyMap<string, string>;
};

export function rotationFromItem(item: StoredItem | undefined): RotationState {
  const lastOffer = new Map<string, number>();
  const offerKeys = new Map<string, string>();
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith('o#') && typeof value === 'number') lastOffer.set(name.slice(2), value);
    if (name.startsWith('k#') && typeof value === 'string') offerKeys.set(value, name.slice(2));
  }
  return { lastOffer, offerKeys };
}

export function isRotationItem(item: StoredItem, groupId: string): boolean {
  return item.pk === keys.rotation(groupId).pk;
}

/** The update that records an evenly offer to `member`, valid only if their last offer is as read. */
export function rotationRecordUpdate(groupId: string, member: string, rotation: Rotation, offerKey: string) {
  const previous = rotation.lastOffer.get(member);
  return {
    TableName: tableName,
    Key: keys.rotation(groupId),
    // Every operand reads the item as it was before this update, so both get the same new seq.
    UpdateExpression: 'SET seq = if_not_exists(seq, :zero) + :one, #offer = if_not_exists(seq, :zero) + :one, #offerKey = :offerKey',
    ConditionExpression: previous === undefined ? CHOSEN_MEMBER_NEVER_OFFERED : CHOSEN_MEMBER_UNCHANGED,
    ExpressionAttributeNames: { '#offer': offerAttribute(member), '#offerKey': offerKeyAttribute(member) },
    ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':offerKey': offerKey, ...(previous === undefined ? {} : { ':previous': previous }) },
  };
}
