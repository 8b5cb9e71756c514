import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { handler as voiceHandler } from '../../functions/handlers/voice.js';

/** The public host tests pretend Twilio calls. */
export const TEST_HOST = 'queue-groups.example.test';

export function authToken(): string {
  const token = process.env.TWILIO_AUTH_TOKEN;
  if (token === undefined) throw new Error('TWILIO_AUTH_TOKEN is not set');
  return token;
}

export type VoiceRequest = {
  /** Path and query as Twilio requests it, e.g. `/voice/dial-result?g=support`. */
  pathAndQuery: string;
  params: Record<string, string>;
  /** Sign with this token instead of the configured one (forgery tests). */
  signWith?: string;
  /** Sign this URL instead of the one requested (wrong-URL tests). */
  signedUrl?: string;
  /** Leave out X-Twilio-Signature. */
  unsigned?: boolean;
};

/** Post a webhook to the real voice handler, signed exactly as Twilio signs it. */
export async function postVoice(request: VoiceRequest): Promise<{ statusCode: number; body: string }> {
  const [rawPath = '', rawQueryString = ''] = request.pathAndQuery.split(/\?(.*)/s);
  const url = `https://${TEST_HOST}${request.pathAndQuery}`;
  const body = new URLSearchParams(request.params).toString();
  const headers: Record<string, string> = {
    host: TEST_HOST,
    'content-type': 'application/x-www-form-urlencoded',
    'x-forwarded-proto': 'https',
  };
  if (request.unsigned !== true)
    headers['x-twilio-signature'] = getExpectedTwilioSignature(request.signWith ?? authToken(), request.signedUrl ?? url, request.params);
  const event = toLambdaEvent({ method: 'POST', rawPath, rawQueryString, headers, body });
  const result = (await voiceHandler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;
  return { statusCode: result.statusCode ?? 200, body: result.body ?? '' };
}

/** Call the real admin handler as a function URL would. */
export async function admin(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const [rawPath = '', rawQueryString = ''] = path.split(/\?(.*)/s);
  const event = toLambdaEvent({
    method,
    rawPath,
    rawQueryString,
    headers: { host: 'admin.example.test', 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const result = (await adminHandler(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;
  const type = String(result.headers?.['content-type'] ?? '');
  return {
    statusCode: result.statusCode ?? 200,
    // A text answer (CSV) is kept as it came, under `text`.
    body:
      result.body === undefined || result.body === ''
        ? {}
        : type.startsWith('application/json')
          ? (JSON.parse(result.body) as Record<string, unknown>)
          : { text: result.body, contentType: type },
  };
}

/** PUT a document and fail loudly if the admin API refuses it (test fixtures). */
export async function put(path: string, document: unknown): Promise<Record<string, unknown>> {
  const result = await admin('PUT', path, document);
  if (result.statusCode >= 300) throw new Error(`PUT ${path} -> ${result.statusCode} ${JSON.stringify(result.body)}`);
  return result.body;
}
