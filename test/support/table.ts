import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ensureTable, localClient } from '../../bin/local/dynamodb-local.js';

/** This test file's table in DynamoDB Local (see setup-env.ts). */
export async function createTestTable(): Promise<void> {
  await ensureTable(endpoint(), tableName());
}

function endpoint(): string {
  const value = process.env.DYNAMODB_ENDPOINT;
  if (value === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests with vitest');
  return value;
}
function tableName(): string {
  const value = process.env.TABLE_NAME;
  if (value === undefined) throw new Error('TABLE_NAME is not set');
  return value;
}

/** Every item of the table, sorted, to compare the table before and after a refused write. */
export async function tableSnapshot(): Promise<Record<string, unknown>[]> {
  const client = localClient(endpoint());
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName(), ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined);
  client.destroy();
  return items.sort((a, b) => `${String(a.pk)}|${String(a.sk)}`.localeCompare(`${String(b.pk)}|${String(b.sk)}`));
}
