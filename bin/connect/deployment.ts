import type { VoiceRoute } from '../../functions/twiml/urls.js';
import { NotReadyError, UsageError } from './errors.js';
import type { StackOutputs } from './stack-outputs.js';

/**
 * Where a deployment answers: the four webhook URLs Twilio is given (the stack's outputs, or a base
 * URL given as a flag plus the project's own routes) and the admin API that lists the configured numbers.
 */
export type Webhooks = {
  /** A number's "A call comes in". */
  readonly incoming: string;
  /** "Call status changes": ends a call's state and records its outcome. */
  readonly status: string;
  /** The TwiML App's and SIP domain's voice URL: calls placed by members. */
  readonly outbound: string;
  /** "Primary handler fails". */
  readonly fallback: string;
};

/** The stack's outputs connect reads (lib/queue-groups-stack.ts names them). */
const OUTPUT_OF: Readonly<Record<keyof Webhooks, string>> = {
  incoming: 'IncomingCallUrl',
  status: 'StatusCallbackUrl',
  outbound: 'OutboundCallUrl',
  fallback: 'FallbackUrl',
};
export const ADMIN_OUTPUT = 'AdminApiUrl';

const ROUTE_OF: Readonly<Record<keyof Webhooks, VoiceRoute>> = {
  incoming: 'incoming',
  status: 'status',
  outbound: 'outbound',
  fallback: 'fallback',
};

export function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what} is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${what} must be an http(s) URL: ${value}`);
  return value;
}

/** The webhooks under a public base URL (the stack's `publicBaseUrl` or its HTTP API's endpoint). */
export function webhooksUnder(baseUrl: string): Webhooks {
  const base = httpUrl(baseUrl, '--base-url').replace(/\/+$/, '');
  if (/\/voice(\/[a-z-]*)?$/.test(base))
    throw new UsageError(`--base-url is the URL the webhooks' /voice/... paths are added to, without /voice: ${baseUrl}`);
  const url = (key: keyof Webhooks): string => `${base}/voice/${ROUTE_OF[key]}`;
  return { incoming: url('incoming'), status: url('status'), outbound: url('outbound'), fallback: url('fallback') };
}

/** The webhooks a deployed stack names in its outputs. */
export function webhooksOfStack(stackName: string, outputs: StackOutputs): Webhooks {
  const output = (key: keyof Webhooks): string => {
    const value = outputs[OUTPUT_OF[key]];
    if (value === undefined)
      throw new NotReadyError(
        `stack ${stackName} has no output ${OUTPUT_OF[key]}: is it this project's stack? Deploy it again, or give --base-url`,
      );
    return value;
  };
  return { incoming: output('incoming'), status: output('status'), outbound: output('outbound'), fallback: output('fallback') };
}

export function adminUrlOfStack(stackName: string, outputs: StackOutputs): string {
  const value = outputs[ADMIN_OUTPUT];
  if (value === undefined) throw new NotReadyError(`stack ${stackName} has no output ${ADMIN_OUTPUT}: give --admin-url or --config`);
  return value;
}
