import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * The reference of the cold-start figure (bin/bench/cold-start.ts): the bare SDK, a handler that
 * imports `@aws-sdk/client-dynamodb` with its defaults (the default credential-provider chain) and
 * makes one GetItem. Bundled with the deployed options; what no Lambda function on DynamoDB can beat.
 */
const endpoint = process.env.DYNAMODB_ENDPOINT;
const client = new DynamoDBClient(endpoint === undefined ? {} : { endpoint });

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { pk: { S: 'NUMBER' }, sk: { S: process.env.BENCH_NUMBER ?? '' } } }),
  );
  return { statusCode: Item === undefined ? 404 : 200, body: JSON.stringify(Item ?? null) };
}
