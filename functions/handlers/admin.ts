import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routeAdminRequest } from '../admin/api.js';
import type { AdminResult } from '../admin/responses.js';
import { powertoolsLogger } from '../commons/logger.js';
import { metrics } from '../commons/metrics.js';
import { jsonErrorHandler } from '../middleware/json-error-handler.js';

/** The admin function (a Lambda function URL with AWS_IAM auth in AWS; /admin/* locally). */
export const handler = middy<APIGatewayProxyEventV2, AdminResult>(routeAdminRequest)
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  // A member back from away may move waiting callers with the REST API: its failures are counted.
  .use(logMetrics(metrics))
  .use(jsonErrorHandler());
