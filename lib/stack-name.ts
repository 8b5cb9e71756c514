/** The stack's name: `cdk deploy` creates it, `npm run connect` reads its outputs (a module of its own, so the tool loads no CDK). */
export const DEFAULT_STACK_NAME = 'QueueGroups';
