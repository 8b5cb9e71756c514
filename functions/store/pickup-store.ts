import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { CALL_STATE_TTL_SECONDS, offeredUpdate, pickedUpUpdate, pickupUndoneUpdate } from './call-store.js';
import { writeIf, writeTogether, type TransactItem } from './conditions.js';
import { send, tableName } from './client.js';
import { eventDelete, eventUpdate } from './ledger-store.js';
import type { LedgerEvent } from '../routing/ledger.js';
import { keys } from './keys.js';
import { busyUpdate, clearBusy, ringingEndUpdate } from './presence-store.js';

/**
 * Calls placed by members.
 *
 * Pickup claims: exactly one picker wins a ringing call. The claim item is created only if no other
 * picker made it, and only while the call still rings at the member it was found ringing at; with it,
 * the call is answered by the picker (and marked as moved by us, before we move it), and the picker is
 * busy until their side of the bridge ends.
 *
 * A member's own call: the member is busy while it lasts, and recorded on the call, so that the call's
 * end (`/voice/status`) clears the mark.
 */
const NOT_PICKED_UP_YET = 'attribute_not_exists(pk)';
/** A transaction that only met another one at the same moment is tried again, this often. */
const CONFLICT_ATTEMPTS = 3;

/** Write all or none; false when a condition failed. A mere conflict with another transaction is tried again. */
async function transact(items: TransactItem[]): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await writeTogether(items);
    if (outcome.kind === 'written') return true;
    if (outcome.failed.length > 0 || !outcome.conflict || attempt >= CONFLICT_ATTEMPTS) return false;
  }
}

export type PickupClaim = { callSid: string; ringingAt: string; picker: string; pickerCall: string };

/**
 * Claim a ringing call for a picker. `movedAtMs` is written on the call (call-store's
 * `redirectedUpdate`) before the caller is redirected, so the `canceled` action of the <Dial> the
 * redirect interrupts is known to be ours. The offer's ringing marks end in the same transaction, each
 * only while still this call's (for the member it was found ringing at, that is the check that it
 * still rings there): `alsoRinging` are the offer's other members read as ringing for it. A colleague
 * who answered meanwhile ended their ringing mark, so the pickup is refused.
 */
export async function claimPickup(
  claim: PickupClaim,
  now: number,
  busyUntil: number,
  alsoRinging: readonly string[] = [],
  movedAtMs = Date.now(),
): Promise<boolean> {
  return transact([
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.pickup(claim.callSid),
          picker: claim.picker,
          pickerCall: claim.pickerCall,
          from: claim.ringingAt,
          expiresAt: now + CALL_STATE_TTL_SECONDS,
        },
        ConditionExpression: NOT_PICKED_UP_YET,
      },
    },
    ...[claim.ringingAt, ...alsoRinging.filter((member) => member !== claim.ringingAt && member !== claim.picker)].map((member) => ({
      Update: ringingEndUpdate(member, claim.callSid),
    })),
    { Update: pickedUpUpdate(claim.callSid, claim.picker, now, movedAtMs) },
    { Update: busyUpdate(claim.picker, claim.callSid, claim.pickerCall, now, busyUntil) },
    // The ledger (SPEC 17): the call's answer, by the picker, from whose ringing phone.
    { Update: eventUpdate(claim.callSid, { event: pickedUpEvent(claim, now) }) },
  ]);
}

function pickedUpEvent(claim: PickupClaim, now: number): LedgerEvent {
  return { kind: 'answered', at: now * 1000, member: claim.picker, pickedUpFrom: claim.ringingAt };
}

/** The caller could not be moved: the claim goes, the call is no longer answered by the picker, and the picker is free again. */
export async function undoPickup(claim: PickupClaim, now: number): Promise<void> {
  await Promise.all([
    send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(claim.callSid) })),
    writeIf({ Update: pickupUndoneUpdate(claim.callSid, claim.picker) }),
    clearBusy(claim.picker, claim.pickerCall, now),
    writeIf({ Delete: eventDelete(claim.callSid, pickedUpEvent(claim, now)) }),
  ]);
}

/** The claim on a call, while the picker's side of the bridge lasts. */
export async function getPickup(callSid: string): Promise<{ picker: string; pickerCall: string } | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.pickup(callSid), ConsistentRead: true }));
  return typeof Item?.picker === 'string' && typeof Item.pickerCall === 'string'
    ? { picker: Item.picker, pickerCall: Item.pickerCall }
    : undefined;
}

/** The picker's side of the bridge ended: the claim goes; returns the picker, whose busy mark the caller then clears. */
export async function endPickup(callSid: string): Promise<{ picker: string; pickerCall: string } | undefined> {
  const { Attributes } = await send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(callSid), ReturnValues: 'ALL_OLD' }));
  return typeof Attributes?.picker === 'string' && typeof Attributes.pickerCall === 'string'
    ? { picker: Attributes.picker, pickerCall: Attributes.pickerCall }
    : undefined;
}

/**
 * A member placed call `callSid` (SPEC section 5: a member on a call is not offered another): busy
 * until the call ends (or `until`), and recorded on the call with `group`, the group it goes to, so
 * the call's end clears the mark. Both or neither.
 */
export async function markPlacedCall(member: string, callSid: string, group: string, now: number, until: number): Promise<void> {
  await transact([{ Update: busyUpdate(member, callSid, callSid, now, until) }, { Update: offeredUpdate(callSid, group, [member], now) }]);
}
