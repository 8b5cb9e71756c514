import { z } from 'zod';
import type { VoiceRoute } from '../twiml/urls.js';

/**
 * The Twilio boundary: the form parameters of each kind of voice request, parsed once (zod) into typed
 * camelCase values; nothing else in the project reads Twilio's parameter names. Empty values count as
 * absent (Twilio sends `Digits=` when no key was pressed). What a kind requires is required here: a
 * request without it is not one Twilio sends (see parseVoiceParameters).
 *
 * Parameter references: https://www.twilio.com/docs/voice/twiml#request-parameters (every request),
 * https://www.twilio.com/docs/voice/twiml/dial#action (DialCallStatus, DialCallSid, DialCallDuration,
 * DialBridged), https://www.twilio.com/docs/voice/twiml/gather#action (Digits: also of a noun's `url`
 * document on the answered leg, https://www.twilio.com/docs/voice/twiml/number#url),
 * https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action (QueueResult, QueueSid, QueueTime),
 * https://www.twilio.com/docs/voice/twiml/enqueue#attributes-wait-url (QueuePosition, QueueTime),
 * https://www.twilio.com/docs/voice/twiml/record#attributes-action (RecordingSid, RecordingUrl,
 * RecordingDuration), https://www.twilio.com/docs/voice/api/call-resource#statuscallback (CallStatus,
 * CallDuration, Timestamp, SequenceNumber, ParentCallSid).
 */

const text = z.string().transform((value) => (value === '' ? undefined : value));
const optionalText = text.optional();
const seconds = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : Number(value)))
  .refine((value) => value === undefined || (Number.isFinite(value) && value >= 0), 'must be a number of seconds');
const callSid = z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/, 'must be a CallSid (CA...)');
/**
 * Status words stay text: a value Twilio adds later must not turn a call away. The project decides on
 * the values it knows (vocabulary.ts) and logs the others.
 */
const requiredText = z.string().min(1, 'is required');

/** Every voice request carries the call it is about. */
const callFields = {
  CallSid: callSid,
  From: optionalText,
  To: optionalText,
  CallStatus: optionalText,
  Direction: optionalText,
};

const dialActionFields = {
  ...callFields,
  DialCallStatus: requiredText,
  DialCallSid: optionalText,
  DialCallDuration: seconds,
  DialBridged: optionalText,
};

/** The schema of each kind of request, by what Twilio sends it for. */
const kinds = {
  call: z.object(callFields),
  gather: z.object({ ...callFields, Digits: optionalText }),
  dialAction: z.object(dialActionFields),
  leg: z.object({
    ...callFields,
    ParentCallSid: callSid,
    CallStatus: requiredText,
    SequenceNumber: z
      .string()
      .regex(/^[0-9]+$/, 'must be a whole number')
      .transform(Number),
    CallDuration: seconds,
  }),
  queueWait: z.object({ ...callFields, QueueSid: optionalText, QueueTime: seconds, QueuePosition: seconds }),
  queueAction: z.object({ ...callFields, QueueResult: requiredText, QueueSid: optionalText, QueueTime: seconds }),
  recording: z.object({
    ...callFields,
    RecordingSid: optionalText,
    RecordingUrl: optionalText,
    RecordingDuration: seconds,
    RecordingStatus: optionalText,
  }),
  status: z.object({ ...callFields, CallStatus: requiredText, CallDuration: seconds, Timestamp: optionalText }),
  fallback: z.object({ ...callFields, ErrorUrl: optionalText, ErrorCode: optionalText }),
} as const;

type Kind = keyof typeof kinds;

/** Which kind of request each of our routes receives. */
const KIND_OF_ROUTE: Readonly<Record<VoiceRoute, Kind>> = {
  incoming: 'call',
  outbound: 'call',
  extension: 'gather',
  group: 'call',
  'dial-result': 'dialAction',
  'forward-result': 'dialAction',
  'line-offer-result': 'dialAction',
  leg: 'leg',
  'leg-ask': 'call',
  'leg-confirm': 'gather',
  'line-wait': 'queueWait',
  'line-left': 'queueAction',
  'line-key': 'gather',
  'line-callback': 'gather',
  'line-callback-number': 'gather',
  'callback-member': 'call',
  'callback-result': 'dialAction',
  'callback-status': 'status',
  'line-offer': 'call',
  'voicemail-done': 'recording',
  recording: 'recording',
  status: 'status',
  fallback: 'fallback',
  'pickup-bridge': 'call',
  'pickup-left': 'call',
  'pickup-result': 'call',
};

/** Twilio's parameters in our words; a field a route's kind does not carry is undefined. */
export type VoiceParameters = {
  readonly callSid: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly callStatus: string | undefined;
  readonly direction: string | undefined;
  readonly digits: string | undefined;
  readonly dialCallStatus: string | undefined;
  readonly dialCallSid: string | undefined;
  readonly dialCallDuration: number | undefined;
  /** `DialBridged` of a <Dial> action: whether the dialled leg was connected to the caller. */
  readonly dialBridged: string | undefined;
  readonly parentCallSid: string | undefined;
  readonly sequenceNumber: number | undefined;
  readonly callDuration: number | undefined;
  readonly timestamp: string | undefined;
  readonly queueSid: string | undefined;
  readonly queueTime: number | undefined;
  readonly queuePosition: number | undefined;
  readonly queueResult: string | undefined;
  readonly recordingSid: string | undefined;
  readonly recordingUrl: string | undefined;
  readonly recordingDuration: number | undefined;
  readonly recordingStatus: string | undefined;
  readonly errorUrl: string | undefined;
  readonly errorCode: string | undefined;
};

export type ParametersOutcome = { ok: true; parameters: VoiceParameters } | { ok: false; problem: string };

/** Parse a request's form parameters for `route`; a missing or malformed required one is named. */
export function parseVoiceParameters(route: VoiceRoute, form: Readonly<Record<string, string>>): ParametersOutcome {
  const parsed = kinds[KIND_OF_ROUTE[route]].safeParse(form);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') || 'parameters'}: ${issue?.message ?? 'invalid'}` };
  }
  const value = parsed.data as Record<string, unknown>;
  const field = <T>(name: string): T | undefined => value[name] as T | undefined;
  return {
    ok: true,
    parameters: {
      callSid: String(value.CallSid),
      from: field('From'),
      to: field('To'),
      callStatus: field('CallStatus'),
      direction: field('Direction'),
      digits: field('Digits'),
      dialCallStatus: field('DialCallStatus'),
      dialCallSid: field('DialCallSid'),
      dialCallDuration: field('DialCallDuration'),
      dialBridged: field('DialBridged'),
      parentCallSid: field('ParentCallSid'),
      sequenceNumber: field('SequenceNumber'),
      callDuration: field('CallDuration'),
      timestamp: field('Timestamp'),
      queueSid: field('QueueSid'),
      queueTime: field('QueueTime'),
      queuePosition: field('QueuePosition'),
      queueResult: field('QueueResult'),
      recordingSid: field('RecordingSid'),
      recordingUrl: field('RecordingUrl'),
      recordingDuration: field('RecordingDuration'),
      recordingStatus: field('RecordingStatus'),
      errorUrl: field('ErrorUrl'),
      errorCode: field('ErrorCode'),
    },
  };
}

/**
 * What is known of a request that did not parse (or before it is parsed): the call, for the log and
 * for the caller's answer; every other parameter absent.
 */
export function bareParameters(form: Readonly<Record<string, string>>): VoiceParameters {
  const known = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);
  const none = undefined;
  return {
    callSid: callSid.safeParse(form.CallSid).success ? String(form.CallSid) : 'CAunknown',
    from: known(form.From),
    to: known(form.To),
    callStatus: none,
    direction: none,
    digits: none,
    dialCallStatus: none,
    dialCallSid: none,
    dialCallDuration: none,
    dialBridged: none,
    parentCallSid: none,
    sequenceNumber: none,
    callDuration: none,
    timestamp: none,
    queueSid: none,
    queueTime: none,
    queuePosition: none,
    queueResult: none,
    recordingSid: none,
    recordingUrl: none,
    recordingDuration: none,
    recordingStatus: none,
    errorUrl: known(form.ErrorUrl),
    errorCode: none,
  };
}
