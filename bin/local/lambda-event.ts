import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/**
 * An HTTP request as API Gateway's HTTP API (payload format 2.0) hands it to Lambda; function URLs use
 * the same shape. The local server and the tests build events here, so the exported Lambda handlers
 * run exactly as deployed.
 */
export type HttpRequestParts = {
  method: string;
  /** The path as received, without query string. */
  rawPath: string;
  /** The query string as received, without "?". */
  rawQueryString: string;
  headers: Record<string, string>;
  body: string;
  sourceIp?: string;
};

/** Bodies that are not text reach Lambda Base64-encoded, as API Gateway does it. */
function isTextual(contentType: string | undefined): boolean {
  return contentType === undefined || /^(text\/|application\/(json|x-www-form-urlencoded|xml))/i.test(contentType);
}

export function toLambdaEvent(request: HttpRequestParts): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const textual = isTextual(headers['content-type']);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers,
    ...(request.rawQueryString === '' ? {} : { queryStringParameters: Object.fromEntries(new URLSearchParams(request.rawQueryString)) }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: request.method.toUpperCase(),
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body === ''
      ? { isBase64Encoded: false }
      : { body: textual ? request.body : Buffer.from(request.body).toString('base64'), isBase64Encoded: !textual }),
  };
}

/** A Lambda context for local invocations. */
export function localContext(functionName: string): Context {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A webhook the call simulator sends, as the voice function receives it behind API Gateway: the URL's
 * host and scheme become headers, the form parameters the body. For running the handler in-process.
 */
export function simulatorWebhookEvent(request: {
  url: string;
  method: string;
  params: Record<string, string>;
  signature: string;
}): APIGatewayProxyEventV2 {
  const target = new URL(request.url);
  return toLambdaEvent({
    method: request.method,
    rawPath: target.pathname,
    rawQueryString: target.search.replace(/^\?/, ''),
    headers: {
      host: target.host,
      'x-forwarded-proto': target.protocol.replace(':', ''),
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': request.signature,
    },
    body: request.method === 'POST' ? new URLSearchParams(request.params).toString() : '',
  });
}
