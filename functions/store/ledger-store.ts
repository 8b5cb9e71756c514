import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { eventKey, type LedgerEvent } from '../routing/ledger.js';
import { send, tableName } from './client.js';
import { queryPartition } from './configuration.js';
import { keys } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The ledger's items (SPEC 17): one per call event, beside the call's own item in its partition
 * (`CALL#<CallSid>`, sk `EVENT#<key>`), so a call's state and its story are one query. An event is
 * written with `if_not_exists`: the first write of a key stays, a retried webhook writes nothing new,
 * and the update never fails, so it may join any transaction.
 */

/** Events outlive the call's state (2 days) by far: a year of stories and queue_log exports. */
export const LEDGER_TTL_SECONDS = 400 * 24 * 3600;

/** An event as a webhook hands it in: `index` tells apart offers of one group in the same call. */
export type EventWrite = { readonly event: LedgerEvent; readonly index?: string | undefined };

const EVENT_PREFIX = 'EVENT#';

/** The update that writes an event once, for a transaction or alone. */
export function eventUpdate(callSid: string, { event, index }: EventWrite) {
  return {
    TableName: tableName,
    Key: { pk: keys.call(callSid).pk, sk: `${EVENT_PREFIX}${eventKey(event, index)}` },
    UpdateExpression: 'SET #event = if_not_exists(#event, :event), expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeNames: { '#event': 'event' },
    ExpressionAttributeValues: { ':event': event, ':expires': Math.floor(event.at / 1000) + LEDGER_TTL_SECONDS },
  };
}

/**
 * An offer's event, written by a claim (store/claims.ts) under its own `claim` id. Only the same claim
 * may replace it: a later attempt of that claim after a refused one, or the members its marks really
 * took. A retried webhook is another claim, so the first delivery's event stays (the condition fails
 * and nothing is written). In a transaction, where no attempt is half-written, the event is written
 * once without a condition, which would otherwise cancel the whole transaction.
 */
export function offerEventUpdate(
  callSid: string,
  write: { event: LedgerEvent & { kind: 'offered' }; index: string },
  claim: string,
  inTransaction: boolean,
) {
  const update = eventUpdate(callSid, { ...write, event: { ...write.event, claim } });
  if (inTransaction) return update;
  return {
    ...update,
    UpdateExpression: 'SET #event = :event, expiresAt = if_not_exists(expiresAt, :expires)',
    ConditionExpression: 'attribute_not_exists(#event) OR #event.#claim = :claim',
    ExpressionAttributeNames: { '#event': 'event', '#claim': 'claim' },
    ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':claim': claim },
  };
}

/**
 * An event written with a step that was then taken back (an offer no attempt of the claim made, a
 * pickup whose caller could not be moved): removed, so the ledger never tells of a step not taken.
 * With `claim`, only the offer event that claim wrote.
 */
export function eventDelete(callSid: string, event: LedgerEvent, index?: string, claim?: string) {
  return {
    TableName: tableName,
    Key: { pk: keys.call(callSid).pk, sk: `${EVENT_PREFIX}${eventKey(event, index)}` },
    ...(claim === undefined
      ? {}
      : {
          ConditionExpression: '#event.#claim = :claim',
          ExpressionAttributeNames: { '#event': 'event', '#claim': 'claim' },
          ExpressionAttributeValues: { ':claim': claim },
        }),
  };
}

/** Write events side by side (each once). */
export async function recordEvents(callSid: string, events: readonly (EventWrite | undefined)[]): Promise<void> {
  await Promise.all(events.flatMap((write) => (write === undefined ? [] : [send(new UpdateCommand(eventUpdate(callSid, write)))])));
}

/** The events among a call partition's items. */
export function eventsFrom(items: readonly StoredItem[]): LedgerEvent[] {
  return items.flatMap((item) =>
    typeof item.sk === 'string' && item.sk.startsWith(EVENT_PREFIX) && typeof item.event === 'object' && item.event !== null
      ? [item.event as LedgerEvent]
      : [],
  );
}

/** A call's partition: its state item (if it has not expired) and its events; one query. */
export async function readCallPartition(callSid: string): Promise<StoredItem[]> {
  return queryPartition(keys.call(callSid).pk, { consistent: true });
}

/** A call's events, for its story and its queue_log lines. */
export async function readLedger(callSid: string): Promise<LedgerEvent[]> {
  return eventsFrom(await readCallPartition(callSid));
}
