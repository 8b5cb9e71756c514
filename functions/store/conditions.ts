import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { send } from './client.js';
import type { StoredItem } from './items.js';

/**
 * The one way a failed condition becomes a value (as Powertools' DynamoDBPersistenceLayer does):
 * only ConditionalCheckFailed and transaction conflicts are expected outcomes; every other error is
 * rethrown.
 */

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export type TransactOutcome =
  | { kind: 'written' }
  | {
      kind: 'refused';
      /** Indexes of the items whose condition failed (empty after a mere conflict). */
      failed: readonly number[];
      /** Another transaction touched the same items at the same moment: nothing failed, try again. */
      conflict: boolean;
      /** The failed items as they were (when the item asked for ALL_OLD). */
      existing: ReadonlyMap<number, StoredItem | undefined>;
    };

/** Write `items` all or none. */
export async function writeTogether(items: readonly TransactItem[]): Promise<TransactOutcome> {
  try {
    await send(new TransactWriteCommand({ TransactItems: [...items] }));
    return { kind: 'written' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (
      reasons.some(
        (reason) =>
          reason.Code !== undefined &&
          reason.Code !== 'None' &&
          reason.Code !== 'ConditionalCheckFailed' &&
          reason.Code !== 'TransactionConflict',
      )
    )
      throw error;
    const failed: number[] = [];
    const existing = new Map<number, StoredItem | undefined>();
    reasons.forEach((reason, index) => {
      if (reason.Code !== 'ConditionalCheckFailed') return;
      failed.push(index);
      existing.set(index, reason.Item === undefined ? undefined : unmarshall(reason.Item));
    });
    return { kind: 'refused', failed, conflict: reasons.some((reason) => reason.Code === 'TransactionConflict'), existing };
  }
}

type UpdateInput = ConstructorParameters<typeof UpdateCommand>[0];
type PutInput = ConstructorParameters<typeof PutCommand>[0];
type DeleteInput = ConstructorParameters<typeof DeleteCommand>[0];

/**
 * A conditional update on its own that returns the item: as it is now when written (ReturnValues
 * ALL_NEW), as it was when the condition failed (ReturnValuesOnConditionCheckFailure ALL_OLD).
 */
export async function updateIf(
  input: UpdateInput,
): Promise<{ written: true; item: StoredItem } | { written: false; item: StoredItem | undefined }> {
  try {
    const result = await send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    return { written: true, item: result.Attributes ?? {} };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      return { written: false, item: error.Item === undefined ? undefined : unmarshall(error.Item) };
    throw error;
  }
}

/** A conditional write on its own; false when its condition failed. */
export async function writeIf(write: { Update: UpdateInput } | { Put: PutInput } | { Delete: DeleteInput }): Promise<boolean> {
  try {
    if ('Update' in write) await send(new UpdateCommand(write.Update));
    else if ('Put' in write) await send(new PutCommand(write.Put));
    else await send(new DeleteCommand(write.Delete));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
