import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Rotation } from '../routing/distribution.js';
import { send, tableName } from './client.js';
import { ContentionError } from './errors.js';
import { keys } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The evenly rotation of a group (one item per group). Per member it holds `o#<id>`, the sequence
 * number of their last offer, and `k#<id>`, the offer key (`<CallSid>:<attempt>`) of that offer;
 * `seq` counts offers made in the group.
 */
const SEQ = 'seq';
const offerAttribute = (memberId: string): string => `o#${memberId}`;
const offerKeyAttribute = (memberId: string): string => `k#${memberId}`;

/**
 * The choice is valid only while the chosen member's last offer is still the one we read: any offer
 * to them in between moves them to the end of the rotation, so another member may now be due.
 * Offers to other members only push those members back, which never makes our choice wrong.
 */
const CHOSEN_MEMBER_UNCHANGED = '#offer = :previous';
const CHOSEN_MEMBER_NEVER_OFFERED = 'attribute_not_exists(#offer)';

/** Enough attempts for every one of 50 simultaneous calls into one group to win its turn. */
const MAX_ATTEMPTS = 120;

export function rotationFromItem(item: StoredItem | undefined): Rotation {
  const lastOffer = new Map<string, number>();
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith('o#') && typeof value === 'number') lastOffer.set(name.slice(2), value);
  }
  return { lastOffer };
}

/** The member who already got the offer with this key (a repeated webhook), if any. */
function memberWithOfferKey(item: StoredItem | undefined, offerKey: string): string | undefined {
  const entry = Object.entries(item ?? {}).find(([name, value]) => name.startsWith('k#') && value === offerKey);
  return entry?.[0].slice(2);
}

export async function getRotation(groupId: string): Promise<Rotation> {
  return rotationFromItem(await readRotationItem(groupId));
}

async function readRotationItem(groupId: string): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.rotation(groupId), ConsistentRead: true }));
  return Item;
}

export type RecordedOffer = { member: string; repeated: boolean } | { member: undefined };

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * evenly: choose the member for the next offer and record it, as one conditional write on the
 * group's rotation (SPEC section 4). `choose` sees the current rotation and the members found taken
 * so far; a lost race returns the winner's state (ALL_OLD) and we choose again. `alongside(member)`
 * adds writes that must succeed with the record (the member's ringing mark): when one fails, that
 * member is taken, nothing is recorded, and we choose again without them. The same `offerKey` always
 * yields the same member, so a repeated webhook neither advances the rotation nor charges anyone twice.
 */
export async function recordEvenlyOffer(
  groupId: string,
  offerKey: string,
  choose: (rotation: Rotation, taken: ReadonlySet<string>) => string | undefined,
  options: { known?: { item: StoredItem | undefined }; alongside?: (member: string) => TransactItem[] } = {},
): Promise<RecordedOffer> {
  let item = options.known === undefined ? await readRotationItem(groupId) : options.known.item;
  const taken = new Set<string>();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const repeated = memberWithOfferKey(item, offerKey);
    if (repeated !== undefined && !taken.has(repeated)) {
      // A repeated webhook: the member it got the first time, with its marks written again.
      const extra = options.alongside?.(repeated) ?? [];
      if (extra.length === 0) return { member: repeated, repeated: true };
      try {
        await send(new TransactWriteCommand({ TransactItems: extra }));
        return { member: repeated, repeated: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        taken.add(repeated);
        continue;
      }
    }
    const member = choose(rotationFromItem(item), taken);
    if (member === undefined) return { member: undefined };
    const previous = item?.[offerAttribute(member)];
    const update = {
      TableName: tableName,
      Key: keys.rotation(groupId),
      // Every operand reads the item as it was before this update, so both get the same new seq.
      UpdateExpression: 'SET #seq = if_not_exists(#seq, :zero) + :one, #offer = if_not_exists(#seq, :zero) + :one, #offerKey = :offerKey',
      ConditionExpression: typeof previous === 'number' ? CHOSEN_MEMBER_UNCHANGED : CHOSEN_MEMBER_NEVER_OFFERED,
      ExpressionAttributeNames: { '#seq': SEQ, '#offer': offerAttribute(member), '#offerKey': offerKeyAttribute(member) },
      ExpressionAttributeValues: {
        ':zero': 0,
        ':one': 1,
        ':offerKey': offerKey,
        ...(typeof previous === 'number' ? { ':previous': previous } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const extra = options.alongside?.(member) ?? [];
    try {
      if (extra.length === 0) await send(new UpdateCommand(update));
      else await send(new TransactWriteCommand({ TransactItems: [{ Update: update }, ...extra] }));
      return { member, repeated: false };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        item = error.Item === undefined ? await readRotationItem(groupId) : unmarshall(error.Item);
      } else if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const old = reasons[0].Item;
          item = old === undefined ? await readRotationItem(groupId) : unmarshall(old);
        } else if (reasons.slice(1).some((reason) => reason.Code === 'ConditionalCheckFailed')) {
          taken.add(member);
        } else {
          item = await readRotationItem(groupId);
        }
      } else {
        throw error;
      }
      // A little jitter spreads out calls that keep colliding on the same member.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20, attempt)));
    }
  }
  throw new ContentionError(`could not record an evenly offer in group ${groupId} after ${MAX_ATTEMPTS} attempts`);
}
