import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetExceededError, withBudget } from '../../functions/commons/budget.js';
import { send, tableName } from '../../functions/store/client.js';
import { createTestTable } from '../support/table.js';

const key = (name: string) => ({ pk: 'BUDGET-TEST', sk: name });
const stored = async (name: string): Promise<Record<string, unknown> | undefined> =>
  (await send(new GetCommand({ TableName: tableName, Key: key(name), ConsistentRead: true }))).Item;
const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** The webhook budget against DynamoDB Local: work left when the budget runs out never writes. */
describe('a webhook budget', () => {
  beforeAll(createTestTable);

  it('passes on what the work returns in time', async () => {
    const outcome = await withBudget(5000, async () => {
      await send(new PutCommand({ TableName: tableName, Item: key('in-time') }));
      return 'answered';
    });

    expect(outcome).toEqual({ kind: 'done', value: 'answered' });
    expect(await stored('in-time')).toEqual(key('in-time'));
  });

  it('answers at the deadline and refuses every request the work would start afterwards', async () => {
    let lateError: unknown;
    const outcome = await withBudget(50, async () => {
      await pause(300);
      try {
        await send(new PutCommand({ TableName: tableName, Item: key('too-late') }));
      } catch (error) {
        lateError = error;
      }
    });

    expect(outcome).toEqual({ kind: 'timed-out' });
    await pause(500);
    expect(lateError).toBeInstanceOf(BudgetExceededError);
    expect(await stored('too-late')).toBeUndefined();
  });

  it('refuses requests of work that goes on after it failed', async () => {
    let lateError: unknown;
    const outcome = await withBudget(5000, async () => {
      void pause(200).then(() =>
        send(new PutCommand({ TableName: tableName, Item: key('after-failure') })).catch((error: unknown) => (lateError = error)),
      );
      throw new Error('the webhook failed');
    });

    expect(outcome.kind).toBe('failed');
    await pause(500);
    expect(lateError).toBeInstanceOf(BudgetExceededError);
    expect(await stored('after-failure')).toBeUndefined();
  });
});
