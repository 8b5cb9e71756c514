import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../commons/logger.js';
import { ContentionError } from '../store/errors.js';

/**
 * The admin API's last handler: an unexpected error becomes a JSON 500 (or 409 when writers kept
 * colliding) without internals; the details go to the log with the request id.
 */
export function jsonErrorHandler(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const jsonErrorHandlerOnError: middy.MiddlewareFn<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> = (request) => {
    if (request.response !== undefined && request.response !== null) return;
    const contention = request.error instanceof ContentionError;
    // The request id is in every line already (injectLambdaContext).
    logger.error('admin request failed', request.error, { path: request.event.rawPath });
    request.response = {
      statusCode: contention ? 409 : 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: contention ? 'the document kept changing while it was written; try again' : 'internal error; see the function log',
      }),
    };
  };
  return { onError: jsonErrorHandlerOnError };
}
