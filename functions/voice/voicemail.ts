import { logger } from '../commons/logger.js';
import type { Settings } from '../commons/schemas.js';
import { noteVoicemail } from '../store/call-store.js';
import { getSettings } from '../store/config-store.js';
import { putVoicemail } from '../store/voicemail-store.js';
import { prompt, type Prompt } from '../twiml/prompts.js';
import { emptyResponse, messageThenHangup, voicemail } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import type { VoiceWebhook } from './webhook.js';

/**
 * A recording shorter than this is not a message (SPEC section 6; Twilio may report 0 or 1 s for
 * a caller who hung up at the beep).
 */
export const MIN_VOICEMAIL_SECONDS = 2;

/**
 * The voicemail TwiML for `group` and `member`. The recording status callback carries what the
 * stored message needs (Twilio's callback has no caller), and is absolute because it is requested
 * outside the call's document.
 */
export function voicemailTwiml(
  webhook: VoiceWebhook,
  settings: Pick<Settings, 'prompts' | 'language'>,
  owner: { group: string | undefined; member: string | undefined },
  options: { lead?: Prompt; promptName?: 'voicemail' | 'apology' } = {},
): string {
  const query: Record<string, string> = { at: webhook.now.toISOString() };
  if (owner.group !== undefined) query.g = owner.group;
  if (owner.member !== undefined) query.m = owner.member;
  const caller = webhook.params.From;
  if (caller !== undefined) query.from = caller;
  return voicemail({
    prompt: prompt(settings, options.promptName ?? 'voicemail'),
    ...(options.lead === undefined ? {} : { before: options.lead }),
    action: voiceUrl('voicemail-done'),
    recordingStatusCallback: new URL(voiceUrl('recording', query), webhook.url).toString(),
    noMessage: prompt(settings, 'noMessage'),
  });
}

/** /voice/voicemail-done: the <Record> action. The message itself is stored by the recording callback. */
export async function voicemailDone(webhook: VoiceWebhook): Promise<string> {
  const settings = await getSettings();
  const duration = Number(webhook.params.RecordingDuration ?? '0');
  return messageThenHangup(prompt(settings, duration >= MIN_VOICEMAIL_SECONDS ? 'voicemailThanks' : 'noMessage'));
}

/**
 * /voice/recording: the recording status callback, the reliable "file ready" signal. A completed
 * recording of at least MIN_VOICEMAIL_SECONDS becomes a voicemail; a repeat changes nothing.
 */
export async function recording(webhook: VoiceWebhook): Promise<string> {
  const { params, query } = webhook;
  const duration = Number(params.RecordingDuration ?? '0');
  const recordingSid = params.RecordingSid;
  const recordingUrl = params.RecordingUrl;
  if (params.RecordingStatus !== 'completed' || !(duration >= MIN_VOICEMAIL_SECONDS) || recordingSid === undefined || recordingUrl === undefined) {
    logger.info('recording is not a message', { callSid: params.CallSid, recordingSid, status: params.RecordingStatus, duration });
    return emptyResponse();
  }
  const stored = await putVoicemail({
    recordingSid,
    callSid: params.CallSid ?? '',
    caller: query.from ?? params.From ?? 'unknown',
    group: query.g,
    member: query.m,
    recordingUrl,
    durationSeconds: duration,
    recordedAt: query.at !== undefined && !Number.isNaN(Date.parse(query.at)) ? new Date(query.at).toISOString() : webhook.now.toISOString(),
  });
  if (params.CallSid !== undefined) await noteVoicemail(params.CallSid);
  logger.info(stored ? 'voicemail stored' : 'voicemail already stored', { callSid: params.CallSid, recordingSid });
  return emptyResponse();
}
