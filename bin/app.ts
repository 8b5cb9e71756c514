import { App } from 'aws-cdk-lib';
import { QueueGroupsStack } from '../lib/queue-groups-stack.js';
import { DEFAULT_STACK_NAME } from '../lib/stack-name.js';

const app = new App();
const publicBaseUrl = app.node.tryGetContext('publicBaseUrl') as string | undefined;
const authTokenSecretName = app.node.tryGetContext('authTokenSecretName') as string | undefined;
const twilioAccountSid = app.node.tryGetContext('twilioAccountSid') as string | undefined;
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
if (alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(alarmEmail)) {
  throw new Error(`-c alarmEmail=${alarmEmail}: not an email address`);
}
const consoleDomainPrefix = app.node.tryGetContext('consoleDomainPrefix') as string | undefined;
// Cognito's rules for a domain prefix: https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html
if (
  consoleDomainPrefix !== undefined &&
  (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(consoleDomainPrefix) || /aws|amazon|cognito/.test(consoleDomainPrefix))
) {
  throw new Error(
    `-c consoleDomainPrefix=${consoleDomainPrefix}: use 1 to 63 lowercase letters, digits and hyphens (not first or last), without "aws", "amazon" or "cognito"`,
  );
}
new QueueGroupsStack(app, DEFAULT_STACK_NAME, {
  ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }),
  ...(authTokenSecretName === undefined ? {} : { authTokenSecretName }),
  ...(twilioAccountSid === undefined ? {} : { twilioAccountSid }),
  ...(alarmEmail === undefined ? {} : { alarmEmail }),
  ...(consoleDomainPrefix === undefined ? {} : { consoleDomainPrefix }),
});
