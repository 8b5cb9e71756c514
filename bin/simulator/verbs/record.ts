import { hex, type Interrupt, type SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { ended, followAction, type ActionParams, type Outcome, type Resolve, type VerbContext } from './verb.js';

/**
 * <Record>: the caller speaks `message` seconds (a scenario's choice), then the recording ends after
 * `timeout` seconds of silence, at `maxLength`, or when the caller hangs up.
 */

export async function playRecord(context: VerbContext, call: SimCall, verb: TwimlElement, resolve: Resolve): Promise<Outcome> {
  const recorded = await record(context, call, verb, resolve);
  if (recorded !== undefined && recorded.kind !== 'action') return recorded;
  const next = recorded === undefined ? undefined : await followAction(context, call, verb, resolve, recorded.params);
  if (next !== undefined) return next;
  if (call.callerGone) return ended('caller-hung-up');
  return undefined;
}

/** The recording's action parameters; undefined when an empty recording requests no action. */
async function record(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  resolve: Resolve,
): Promise<ActionParams | Interrupt | undefined> {
  const speak = call.script.message ?? 10;
  const maxLength = Number(verb.attrs.maxLength ?? '3600');
  const started = context.clock.now;
  const interrupt = await speakAndFallSilent(call, speak, maxLength, Number(verb.attrs.timeout ?? '5'));
  if (interrupt !== undefined && interrupt.kind !== 'caller-hangup') return interrupt;
  // Hanging up at the beep (nothing to say) is hanging up too.
  const hungUp = interrupt !== undefined || speak === 0;
  if (hungUp) call.callerGone = true;
  const seconds = Math.round(Math.min(context.clock.now - started, speak, maxLength));
  context.log(call, { type: 'record', seconds });
  const recordingSid = `RE${hex(16)}`;
  call.recordings.push({ recordingSid, seconds });
  const recording = {
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${context.webhooks.accountSid}/Recordings/${recordingSid}`,
    RecordingDuration: String(seconds),
  };
  const callback = verb.attrs.recordingStatusCallback;
  if (callback !== undefined) {
    await context.webhooks
      .post(call, resolve(callback), methodOf(verb.attrs.recordingStatusCallbackMethod), {
        ...recording,
        RecordingStatus: 'completed',
        RecordingChannels: '1',
        RecordingSource: 'RecordVerb',
        RecordingStartTime: context.webhooks.timestamp(),
      })
      .then((response) => {
        if (response.status !== 200) call.errors.push(`recording status callback answered HTTP ${response.status}`);
      });
  }
  if (seconds === 0 && context.options.emptyRecordingRequestsAction === false) return undefined;
  return { kind: 'action', params: { ...recording, Digits: hungUp ? 'hangup' : '', ...(hungUp ? { CallStatus: 'completed' } : {}) } };
}

/** The caller speaks, then falls silent for `silence` seconds (unless the recording hit `maxLength`). */
async function speakAndFallSilent(call: SimCall, speak: number, maxLength: number, silence: number): Promise<Interrupt | undefined> {
  const interrupt = await call.wait(Math.min(speak, maxLength));
  if (interrupt !== undefined || speak === 0 || speak >= maxLength) return interrupt;
  return call.wait(silence);
}
