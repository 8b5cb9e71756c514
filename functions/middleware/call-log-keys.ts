import type middy from '@middy/core';
import { powertoolsLogger } from '../commons/logger.js';
import type { HttpResult, VoiceEvent } from './voice-event.js';

/**
 * Appends the call's SID (and a leg's parent call) to every log line of the request, once Twilio's
 * parameters are verified and parsed, so log calls never repeat it. The keys are temporary:
 * `injectLambdaContext({ resetKeys: true })` clears them when the invocation ends, and they are
 * replaced here at the start of the next one.
 */
export function callLogKeys(): middy.MiddlewareObj<VoiceEvent, HttpResult> {
  const callLogKeysBefore: middy.MiddlewareFn<VoiceEvent, HttpResult> = (request) => {
    const { event } = request;
    const parsed = event.voiceParameters;
    const form = event.twilioParams ?? {};
    const callSid = parsed?.ok === true ? parsed.parameters.callSid : form.CallSid || undefined;
    const parentCallSid = form.ParentCallSid || undefined;
    powertoolsLogger.removeKeys(['callSid', 'parentCallSid']);
    powertoolsLogger.appendKeys({
      ...(callSid === undefined ? {} : { callSid }),
      ...(parentCallSid === undefined ? {} : { parentCallSid }),
    });
  };
  return { before: callLogKeysBefore };
}
