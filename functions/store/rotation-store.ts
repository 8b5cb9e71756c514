import type { Rotation } from '../routing/distribution.js';
import { keys } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The evenly rotation of a group (SPEC section 4), kept on the members' PRESENCE items: per group the
 * member was offered in, `o#<group>` holds when their last offer there was made (epoch ms) and
 * `k#<group>` the offer key (`<CallSid>:<group>:<attempt>`) of that offer. The offer is recorded by
 * the very conditional write that marks the member ringing (presence-store's `ringingUpdate`), so
 * the choice and the record are one write that succeeds only while the member is free: two calls at
 * the same moment never get the same member, and no item is written for every offer of a group (one
 * rotation item per group was a second item in every evenly claim, which made each a transaction).
 */
export const offerAttribute = (groupId: string): string => `o#${groupId}`;
export const offerKeyAttribute = (groupId: string): string => `k#${groupId}`;

/** The rotation as the routing core sees it, plus what a repeated webhook needs. */
export type RotationState = Rotation & {
  /** Offer key -> the member who got that offer (a repeated webhook gets the same member). */
  readonly offerKeys: ReadonlyMap<string, string>;
};

const PRESENCE_PREFIX = keys.presence('').pk;

/** A group's rotation from its members' PRESENCE items (read with their marks). */
export function rotationFromPresence(items: readonly StoredItem[], groupId: string): RotationState {
  const lastOffer = new Map<string, number>();
  const offerKeys = new Map<string, string>();
  for (const item of items) {
    const pk = String(item.pk);
    if (!pk.startsWith(PRESENCE_PREFIX)) continue;
    const member = pk.slice(PRESENCE_PREFIX.length);
    const offeredAt = item[offerAttribute(groupId)];
    const offerKey = item[offerKeyAttribute(groupId)];
    if (typeof offeredAt === 'number') lastOffer.set(member, offeredAt);
    if (typeof offerKey === 'string') offerKeys.set(offerKey, member);
  }
  return { lastOffer, offerKeys };
}
