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
new QueueGroupsStack(app, DEFAULT_STACK_NAME, {
  ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }),
  ...(authTokenSecretName === undefined ? {} : { authTokenSecretName }),
  ...(twilioAccountSid === undefined ? {} : { twilioAccountSid }),
  ...(alarmEmail === undefined ? {} : { alarmEmail }),
});
