import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { storeConfig } from '../commons/config.js';

/**
 * The one document client, created at module load and reused across invocations. Locally and in
 * tests `DYNAMODB_ENDPOINT` points it at DynamoDB Local.
 */
export const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    ...(storeConfig.endpoint === undefined ? {} : { endpoint: storeConfig.endpoint }),
    region: storeConfig.region,
    maxAttempts: 3,
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);

export const tableName = storeConfig.tableName;
