import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ParametersOutcome } from '../twilio/parameters.js';

/** A Twilio webhook as the voice middlewares leave it for the route: parameters parsed and verified. */
export type VoiceEvent = APIGatewayProxyEventV2 & {
  /** The form parameters Twilio posted. */
  twilioParams?: Record<string, string>;
  /** The public URL Twilio requested (what the signature covers); action URLs resolve against it. */
  twilioUrl?: string;
  /** Twilio's parameters parsed for the route (twilio-parameters.ts), or what is missing. */
  voiceParameters?: ParametersOutcome;
};

export type HttpResult = APIGatewayProxyStructuredResultV2;

export function twimlResult(twiml: string): HttpResult {
  return { statusCode: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: twiml };
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function queryParams(event: APIGatewayProxyEventV2): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(event.rawQueryString ?? ''));
}
