import type { Presence } from '../routing/eligibility.js';
import { tableName } from './client.js';
import { updateIf, writeIf } from './conditions.js';
import { batchGet } from './configuration.js';
import { keys } from './keys.js';
import type { StoredItem } from './items.js';
import { offerAttribute, offerKeyAttribute } from './rotation-store.js';

/**
 * Members' ringing and busy marks (SPEC section 5), one PRESENCE item per member:
 * `ringingCall`/`ringingUntil` while an offer to them is open, `busyCall`/`busyLeg`/`busyUntil` from
 * their device answering until that call ends. Every mark carries an expiry (epoch seconds), so a lost
 * callback never blocks a member for longer than the longest possible call plus a margin.
 */

/** A member is free when neither mark is set, or both have expired. */
const MEMBER_FREE =
  '(attribute_not_exists(ringingUntil) OR ringingUntil < :now) AND (attribute_not_exists(busyUntil) OR busyUntil < :now) AND (attribute_not_exists(wrapUpUntil) OR wrapUpUntil <= :now)';
/** A repeated webhook for the same call may mark its own member again. */
const OR_ALREADY_RINGING_FOR_THIS_CALL = 'ringingCall = :call';

export function presenceFromItem(item: StoredItem | undefined): Presence & { ringingGroup?: string | undefined } {
  const number = (name: string): number | undefined => (typeof item?.[name] === 'number' ? (item[name] as number) : undefined);
  const string = (name: string): string | undefined => (typeof item?.[name] === 'string' ? (item[name] as string) : undefined);
  return {
    ringingCall: string('ringingCall'),
    ringingUntil: number('ringingUntil'),
    ringingSince: number('ringingSince'),
    ringingSinceMs: number('ringingSinceMs'),
    busyCall: string('busyCall'),
    busyLeg: string('busyLeg'),
    busyUntil: number('busyUntil'),
    busySince: number('busySince'),
    wrapUpUntil: number('wrapUpUntil'),
    busyWrapUp: number('busyWrapUp'),
    ringingGroup: string('ringingGroup'),
  };
}

export type RingingMark = {
  member: string;
  callSid: string;
  group: string;
  until: number;
  /** evenly: the offer is recorded in the group's rotation under this key (rotation-store.ts). */
  offerKey?: string | undefined;
  /**
   * The member may still ring for this call, whose offer is ending in the same round trip (its end
   * and this mark are written side by side, in either order): the mark takes over from it.
   */
  takeOverFrom?: string | undefined;
};

/** Mark a member ringing for a call, only while they are free (or already ring for this call). */
export function ringingUpdate(mark: RingingMark, now: number, nowMs = Date.now()) {
  const record = mark.offerKey === undefined ? '' : ', #offeredAt = :nowMs, #offerKey = :offerKey';
  return {
    TableName: tableName,
    Key: keys.presence(mark.member),
    UpdateExpression: `SET ringingCall = :call, ringingUntil = :until, ringingSince = :now, ringingSinceMs = :nowMs, ringingGroup = :group${record}`,
    ConditionExpression: `(${MEMBER_FREE}) OR ${OR_ALREADY_RINGING_FOR_THIS_CALL}${mark.takeOverFrom === undefined ? '' : ' OR ringingCall = :previous'}`,
    ...(mark.offerKey === undefined
      ? {}
      : { ExpressionAttributeNames: { '#offeredAt': offerAttribute(mark.group), '#offerKey': offerKeyAttribute(mark.group) } }),
    ExpressionAttributeValues: {
      ':call': mark.callSid,
      ':until': mark.until,
      ':now': now,
      ':nowMs': nowMs,
      ':group': mark.group,
      ...(mark.offerKey === undefined ? {} : { ':offerKey': mark.offerKey }),
      ...(mark.takeOverFrom === undefined ? {} : { ':previous': mark.takeOverFrom }),
    },
  };
}

const RINGING_MARK = 'ringingCall, ringingUntil, ringingSince, ringingSinceMs, ringingGroup';
const BUSY_MARK = 'busyCall, busyLeg, busyUntil, busySince, busyWrapUp';
/** Only this call's ringing mark: the member may already ring for another call. */
const RINGING_FOR_THIS_CALL = 'ringingCall = :call';
/** Only this leg's busy mark: the member may be on another call by now. */
const BUSY_WITH_THIS_LEG = 'busyLeg = :leg';
const BUSY_FOR_THIS_CALL = 'busyCall = :call';

function removeMarkUpdate(member: string, mark: string, condition: string, values: Record<string, unknown>) {
  return {
    TableName: tableName,
    Key: keys.presence(member),
    UpdateExpression: `REMOVE ${mark}`,
    ConditionExpression: condition,
    ExpressionAttributeValues: values,
  };
}

/**
 * The end of a busy mark starts the member's wrap-up (SPEC 15): `wrapUpUntil` is the end plus the
 * seconds the answering group asked for when the mark was set (`busyWrapUp`, which whoever ends the
 * mark knows: the leg's callback from its URL, the <Dial>'s action and the call's status callback from
 * the marks they read). Without wrap-up the member is free at once and the mark simply goes.
 */
function busyEnd(member: string, condition: string, values: Record<string, unknown>, now: number, wrapUpSeconds: number) {
  const wrapUp = wrapUpSeconds > 0;
  return {
    TableName: tableName,
    Key: keys.presence(member),
    UpdateExpression: `${wrapUp ? 'SET wrapUpUntil = :wrapUpUntil ' : ''}REMOVE ${BUSY_MARK}`,
    ConditionExpression: condition,
    ExpressionAttributeValues: { ...values, ...(wrapUp ? { ':wrapUpUntil': now + wrapUpSeconds } : {}) },
  };
}

/** The update that ends a leg's busy mark at `now` and starts `wrapUpSeconds` of wrap-up, for a transaction. */
export function busyEndUpdate(member: string, leg: string, now: number, wrapUpSeconds = 0) {
  return busyEnd(member, BUSY_WITH_THIS_LEG, { ':leg': leg }, now, wrapUpSeconds);
}

/** The update that ends the ringing mark of `callSid` at `member`, if it is still this call's. */
export function ringingEndUpdate(member: string, callSid: string) {
  return removeMarkUpdate(member, RINGING_MARK, RINGING_FOR_THIS_CALL, { ':call': callSid });
}

/** The offer of `callSid` to `member` ended: clear the ringing mark if it is still this call's. */
export function clearRinging(member: string, callSid: string): Promise<boolean> {
  return writeIf({ Update: ringingEndUpdate(member, callSid) });
}

/**
 * The member's device answered leg `leg` of call `callSid`: busy until the call ends or `until`, then
 * in wrap-up for `wrapUpSeconds` (the answering group's `wrapUpSeconds`; 0 or absent: none).
 */
export function busyUpdate(member: string, callSid: string, leg: string, now: number, until: number, wrapUpSeconds = 0) {
  const wrapUp = wrapUpSeconds > 0;
  return {
    TableName: tableName,
    Key: keys.presence(member),
    // An answer ends the member's run of missed offers (`misses`; `missedOffer` stays, for retries)
    // and any wrap-up still running (a pickup taken during it).
    UpdateExpression: `SET busyCall = :call, busyLeg = :leg, busyUntil = :until, busySince = :now${wrapUp ? ', busyWrapUp = :wrapUp' : ''} REMOVE ${RINGING_MARK}, misses, wrapUpUntil${wrapUp ? '' : ', busyWrapUp'}`,
    ExpressionAttributeValues: {
      ':call': callSid,
      ':leg': leg,
      ':until': until,
      ':now': now,
      ...(wrapUp ? { ':wrapUp': wrapUpSeconds } : {}),
    },
  };
}

/** The member answered a call the project created for them (a callback, SPEC 16): busy, as any answer. */
export async function markBusy(
  member: string,
  callSid: string,
  leg: string,
  now: number,
  until: number,
  wrapUpSeconds: number,
): Promise<void> {
  await writeIf({ Update: busyUpdate(member, callSid, leg, now, until, wrapUpSeconds) });
}

/**
 * Misses in a row (SPEC 15): `misses` on the member's PRESENCE item counts the offers that rang them
 * and ended unanswered by them since their last answer or status change; `missedOffer` is the last
 * offer counted, so a retried webhook for the same offer counts nothing.
 */
export function missUpdate(member: string, offerKey: string) {
  return {
    TableName: tableName,
    Key: keys.presence(member),
    UpdateExpression: 'SET misses = if_not_exists(misses, :zero) + :one, missedOffer = :offer',
    ConditionExpression: 'attribute_not_exists(missedOffer) OR missedOffer <> :offer',
    ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':offer': offerKey },
  };
}

/**
 * Count the miss of offer `offerKey` at `member`, once per offer: the member's run of misses after
 * it, and whether this request counted it (false: a retry, the count is as the first request left it).
 */
export async function countMiss(member: string, offerKey: string): Promise<{ counted: boolean; misses: number }> {
  const outcome = await updateIf(missUpdate(member, offerKey));
  const misses = typeof outcome.item?.misses === 'number' ? outcome.item.misses : 0;
  return { counted: outcome.written, misses };
}

/**
 * A status change ends the member's run of misses and their wrap-up: an administrator (or the member)
 * setting them available says they are ready now (for admin-store's status transaction).
 */
export function statusChangeUpdate(member: string) {
  return { TableName: tableName, Key: keys.presence(member), UpdateExpression: 'REMOVE misses, wrapUpUntil' };
}

/** A busy mark that ended: whose, and until when their wrap-up runs (epoch seconds; the end itself without one). */
export type BusyEnded = { member: string; wrapUpUntil: number };

async function endBusy(
  member: string,
  update: ReturnType<typeof busyEnd>,
  now: number,
  wrapUpSeconds: number,
): Promise<BusyEnded | undefined> {
  return (await writeIf({ Update: update })) ? { member, wrapUpUntil: now + wrapUpSeconds } : undefined;
}

/**
 * Leg `leg` ended at `now`: clear the busy mark if it is still this leg's, and start the member's
 * wrap-up (`wrapUpSeconds`, as the mark recorded it).
 */
export function clearBusy(member: string, leg: string, now: number, wrapUpSeconds = 0): Promise<BusyEnded | undefined> {
  return endBusy(member, busyEndUpdate(member, leg, now, wrapUpSeconds), now, wrapUpSeconds);
}

/**
 * A call ended: clear whatever marks it still holds on `members` (a lost callback's leftovers). The
 * marks are read first (one request for all), so only marks this call holds are written: a read unit
 * is a fifth of a write unit's price, and a refused conditional write costs a write unit. The members
 * freed are returned.
 */
export async function clearMarksOfCall(callSid: string, members: readonly string[], now: number): Promise<BusyEnded[]> {
  const presence = await readPresence(members);
  const cleared = await Promise.all(
    [...presence].map(async ([member, marks]): Promise<BusyEnded | undefined> => {
      const [stoppedRinging, stoppedTalking] = await Promise.all([
        marks.ringingCall === callSid ? clearRinging(member, callSid) : false,
        marks.busyCall === callSid
          ? endBusy(
              member,
              busyEnd(member, BUSY_FOR_THIS_CALL, { ':call': callSid }, now, marks.busyWrapUp ?? 0),
              now,
              marks.busyWrapUp ?? 0,
            )
          : undefined,
      ]);
      return stoppedTalking ?? (stoppedRinging ? { member, wrapUpUntil: 0 } : undefined);
    }),
  );
  return cleared.filter((ended): ended is BusyEnded => ended !== undefined);
}

/** The marks of `members` among items read in a batch (members without an item are free). */
export function presenceFromItems(items: readonly StoredItem[]): Map<string, Presence & { ringingGroup?: string | undefined }> {
  const byMember = new Map<string, Presence & { ringingGroup?: string | undefined }>();
  for (const item of items) {
    const pk = String(item.pk);
    if (pk.startsWith(PRESENCE_PREFIX)) byMember.set(pk.slice(PRESENCE_PREFIX.length), presenceFromItem(item));
  }
  return byMember;
}
const PRESENCE_PREFIX = keys.presence('').pk;

/** The marks of these members, in one request (pickup looks for calls ringing at them). */
export async function readPresence(members: readonly string[]): Promise<Map<string, Presence & { ringingGroup?: string | undefined }>> {
  return members.length === 0 ? new Map() : presenceFromItems(await batchGet([...new Set(members)].map((member) => keys.presence(member))));
}
