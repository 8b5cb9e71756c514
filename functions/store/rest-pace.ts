import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { send, tableName } from './client.js';
import { writeIf } from './conditions.js';
import { keys } from './keys.js';

/**
 * Twilio creates 1 call per second per account by default (https://www.twilio.com/docs/glossary/cps,
 * https://help.twilio.com/articles/223180028): callbacks, the only calls the project creates, take
 * turns. One item holds the next millisecond a call may be created; each creator reserves a second by
 * moving it on, conditionally on the value it read, so two instances never take the same second. A
 * queue of callbacks is paced, never dropped.
 */
export const CREATE_INTERVAL_MS = 1000;

/** Reserve the next free second for a call: the epoch ms at which it may be created (now or later). */
export async function reserveCallSlot(nowMs: number): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.restPace(), ConsistentRead: true }));
    const held = typeof Item?.nextAtMs === 'number' ? Item.nextAtMs : undefined;
    const slot = Math.max(nowMs, held ?? 0);
    const taken = await writeIf({
      Update: {
        TableName: tableName,
        Key: keys.restPace(),
        UpdateExpression: 'SET nextAtMs = :next',
        ConditionExpression: held === undefined ? 'attribute_not_exists(nextAtMs)' : 'nextAtMs = :held',
        ExpressionAttributeValues: { ':next': slot + CREATE_INTERVAL_MS, ...(held === undefined ? {} : { ':held': held }) },
      },
    });
    if (taken) return slot;
  }
  throw new Error('could not reserve a second to create a call: too many at once');
}
