import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routeAdminRequest } from '../admin/api.js';
import type { AdminResult } from '../admin/responses.js';
import { jsonErrorHandler } from '../middleware/json-error-handler.js';

/** The admin function (a Lambda function URL with AWS_IAM auth in AWS; /admin/* locally). */
export const handler = middy<APIGatewayProxyEventV2, AdminResult>(routeAdminRequest).use(jsonErrorHandler());
