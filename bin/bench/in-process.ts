import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { localContext, toLambdaEvent } from '../local/lambda-event.js';
import type { LambdaHttpHandler } from '../local/server.js';

/**
 * What the bench's figures share when they play calls against the handlers in this process
 * (bin/bench/burst.ts, bin/bench/whole-calls.ts): the admin API as an administrator calls it, and a
 * limit on the webhooks in flight at once.
 */

/** PUT a document through the admin handler; throws when it is refused. */
export async function putAdmin(admin: LambdaHttpHandler, path: string, body: unknown): Promise<void> {
  const event = toLambdaEvent({
    method: 'PUT',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const result = (await admin(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;
  if ((result.statusCode ?? 500) >= 300) throw new Error(`PUT ${path}: ${result.body}`);
}

/**
 * A limit on work in flight (0: none). Every webhook in the bench shares the store's one DynamoDB
 * client, whose 50 sockets fail requests once more than about 50 are in flight: something a Lambda
 * instance, one webhook at a time, never sees.
 */
export function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (work) => {
    if (limit > 0 && running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
      queue.shift()?.();
    }
  };
}

/**
 * A voice webhook as Twilio sends it (signed with `authToken` for https://bench.example), answered by
 * the voice handler in this process; throws unless it answers 200. The answer's TwiML.
 */
export function signedVoicePost(
  voice: LambdaHttpHandler,
  authToken: string,
): (pathAndQuery: string, params: Record<string, string>) => Promise<string> {
  return async (pathAndQuery, params) => {
    const [rawPath = '', rawQueryString = ''] = pathAndQuery.split(/\?(.*)/s);
    const url = `https://bench.example${pathAndQuery}`;
    const event = toLambdaEvent({
      method: 'POST',
      rawPath,
      rawQueryString,
      headers: {
        host: 'bench.example',
        'x-twilio-signature': getExpectedTwilioSignature(authToken, url, params),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params).toString(),
    });
    const result = (await voice(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;
    if (result.statusCode !== 200) throw new Error(`${pathAndQuery}: ${result.statusCode}`);
    return result.body ?? '';
  };
}
