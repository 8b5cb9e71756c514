import { RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * One JSON object per request (HTTP API `$context` variables). No query string and no body: Twilio
 * posts its parameters (the caller's number among them) as a form body, and the project's own action
 * URLs carry theirs in the query, so neither phone numbers nor call SIDs reach the access log. The
 * path is a route name (`/voice/incoming`), never data.
 */
export const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
};

/**
 * Access logs of the HTTP API's default stage, into a log group with a retention. The L2 HttpApi
 * takes no options for the stage it creates (only `addStage` does, and replacing `$default` would
 * recreate the stage of a deployed API), so the stage's CloudFormation resource gets the settings.
 */
export function addAccessLogs(scope: Construct, id: string, api: HttpApi, retention = RetentionDays.ONE_MONTH): LogGroup {
  const logGroup = new LogGroup(scope, id, { retention, removalPolicy: RemovalPolicy.DESTROY });
  const stage = api.defaultStage?.node.defaultChild as CfnStage | undefined;
  if (stage === undefined) throw new Error(`${api.node.path} has no default stage to log`);
  stage.accessLogSettings = { destinationArn: logGroup.logGroupArn, format: JSON.stringify(ACCESS_LOG_FORMAT) };
  return logGroup;
}
