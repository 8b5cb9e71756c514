/**
 * The one table's definition, shared by the CDK stack and the local stack so both create the same
 * table. Kept free of AWS SDK and CDK imports.
 */
export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB's TTL deletes short-lived state (offers, marks) after it. */
  timeToLiveAttribute: 'expiresAt',
} as const;
