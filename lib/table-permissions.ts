/**
 * The DynamoDB actions each function's role is granted on the table, by handler file
 * (functions/handlers/<name>.ts). Not written from reading the code: test/permissions/ records every
 * DynamoDB action each handler performs across the whole test suite (each action inside a
 * transaction too: a transaction's Put needs dynamodb:PutItem, its ConditionCheck
 * dynamodb:ConditionCheckItem) and fails unless these lists are exactly that set, so a new kind of
 * request cannot deploy without its permission, and a permission nothing uses does not linger.
 */
export const TABLE_ACTIONS = {
  voice: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  admin: [
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
  ],
  reconcile: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  wakeups: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
} as const satisfies Record<string, readonly `dynamodb:${string}`[]>;

export type HandlerName = keyof typeof TABLE_ACTIONS;
