import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { answeredUpdate, CALL_STATE_TTL_SECONDS } from './call-store.js';
import { send, tableName } from './client.js';
import { keys } from './keys.js';
import { busyUpdate, clearBusy } from './presence-store.js';

/**
 * Pickup claims (SPEC section 8): exactly one picker wins a ringing call. The claim item is created
 * only if no other picker made it, and only while the call still rings at the member it was found
 * ringing at; with it, the call is answered by the picker, who is busy until the bridge ends.
 */
const NOT_PICKED_UP_YET = 'attribute_not_exists(pk)';
const STILL_RINGING_THERE = 'ringingCall = :call';

export type PickupClaim = { callSid: string; ringingAt: string; picker: string; pickerCall: string };

export async function claimPickup(claim: PickupClaim, now: number, busyUntil: number): Promise<boolean> {
  try {
    await send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.pickup(claim.callSid), picker: claim.picker, pickerCall: claim.pickerCall, from: claim.ringingAt, expiresAt: now + CALL_STATE_TTL_SECONDS },
              ConditionExpression: NOT_PICKED_UP_YET,
            },
          },
          { ConditionCheck: { TableName: tableName, Key: keys.presence(claim.ringingAt), ConditionExpression: STILL_RINGING_THERE, ExpressionAttributeValues: { ':call': claim.callSid } } },
          { Update: answeredUpdate(claim.callSid, claim.picker, now) },
          { Update: busyUpdate(claim.picker, claim.callSid, claim.pickerCall, now, busyUntil) },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException) return false;
    throw error;
  }
}

/** The caller could not be moved: the claim goes and the picker is free again. */
export async function undoPickup(claim: PickupClaim): Promise<void> {
  await send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(claim.callSid) }));
  await clearBusy(claim.picker, claim.pickerCall);
}

/** The bridge ended: the claim goes; returns the picker, whose busy mark the caller then clears. */
export async function endPickup(callSid: string): Promise<{ picker: string; pickerCall: string } | undefined> {
  const { Attributes } = await send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(callSid), ReturnValues: 'ALL_OLD' }));
  return typeof Attributes?.picker === 'string' && typeof Attributes.pickerCall === 'string' ? { picker: Attributes.picker, pickerCall: Attributes.pickerCall } : undefined;
}
