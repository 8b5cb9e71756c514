import { logger } from '../commons/logger.js';
import type { Settings } from '../commons/schemas.js';
import { noteVoicemail } from '../store/call-store.js';
import { currentConfiguration } from '../store/configuration.js';
import { putVoicemail, type VoicemailSource } from '../store/voicemail-store.js';
import { prompt, type Prompt } from '../twiml/prompts.js';
import { emptyResponse, messageThenHangup, voicemail } from '../twiml/responses.js';
import { voicemailQuery } from '../twiml/queries.js';
import { voiceUrl } from '../twiml/urls.js';
import { isMessage, MIN_VOICEMAIL_SECONDS } from '../voicemail/messages.js';
import type { VoiceParameters } from '../twilio/parameters.js';
import type { VoiceWebhook } from './webhook.js';

export { MIN_VOICEMAIL_SECONDS };

/**
 * The voicemail TwiML for `group` and `member`. Both signals of a finished recording, the <Record>
 * action and the recording status callback, carry what the stored message needs (neither of Twilio's
 * requests names the group, and the callback has no caller), so whichever arrives first stores it.
 * The callback is absolute because it is requested outside the call's document.
 */
export function voicemailTwiml(
  webhook: VoiceWebhook,
  settings: Pick<Settings, 'prompts' | 'language'>,
  owner: { group: string | undefined; member: string | undefined },
  options: { lead?: Prompt | undefined; promptName?: 'voicemail' | 'apology' | undefined } = {},
): string {
  const query = voicemailQuery.encode({ at: webhook.now.toISOString(), group: owner.group, member: owner.member, from: webhook.call.from });
  return voicemail({
    prompt: prompt(settings, options.promptName ?? 'voicemail'),
    before: options.lead,
    action: voiceUrl('voicemail-done', query),
    recordingStatusCallback: new URL(voiceUrl('recording', query), webhook.url).toString(),
    noMessage: prompt(settings, 'noMessage'),
  });
}

/**
 * Store the recording this webhook reports, once per RecordingSid whichever signal comes first, and
 * note it on the call so its outcome is "voicemail". `false` when it was stored before.
 */
async function storeVoicemail(
  webhook: VoiceWebhook,
  recording: { sid: string; url: string; seconds: number },
  source: VoicemailSource,
): Promise<boolean> {
  const { call } = webhook;
  const query = voicemailQuery.decode(webhook.query);
  const [stored] = await Promise.all([
    putVoicemail(
      {
        recordingSid: recording.sid,
        callSid: call.callSid,
        caller: query.from ?? call.from ?? 'unknown',
        group: query.group,
        member: query.member,
        recordingUrl: recording.url,
        durationSeconds: recording.seconds,
        // When the voicemail prompt was issued (both signals carry it), else when this request came.
        recordedAt: query.at ?? webhook.now.toISOString(),
      },
      source,
      webhook.now,
    ),
    noteVoicemail(call.callSid),
  ]);
  logger.info(stored ? 'voicemail stored' : 'voicemail already stored', { recordingSid: recording.sid, source });
  return stored;
}

/** The recording a webhook reports, if it is a message (a finished recording of at least MIN_VOICEMAIL_SECONDS). */
function reportedMessage(params: VoiceParameters): { sid: string; url: string; seconds: number } | undefined {
  const seconds = params.recordingDuration ?? 0;
  const sid = params.recordingSid;
  const url = params.recordingUrl;
  if (!isMessage(seconds) || sid === undefined || url === undefined) return undefined;
  return { sid, url, seconds };
}

/**
 * /voice/voicemail-done: the <Record> action. It stores the message unless the recording callback
 * did, and thanks the caller. If the table is down, the webhook's fault answer thanks the caller all
 * the same (fault-answers.ts): the recording is safe at Twilio, and the callback or the
 * reconciliation stores it.
 */
export async function voicemailDone(webhook: VoiceWebhook): Promise<string> {
  const message = reportedMessage(webhook.params);
  // Read first (SPEC 13: a database that does not answer is found before anything is sent), then store.
  const { settings } = await currentConfiguration();
  if (message !== undefined) await storeVoicemail(webhook, message, 'record-action');
  // What the caller hears depends on what they did (the duration), not on what Twilio's request carried.
  return messageThenHangup(prompt(settings, isMessage(webhook.params.recordingDuration ?? 0) ? 'voicemailThanks' : 'noMessage'));
}

/**
 * /voice/recording: the recording status callback, the "file ready" signal. A completed recording of
 * at least MIN_VOICEMAIL_SECONDS becomes a voicemail unless the <Record> action stored it already.
 */
export async function recording(webhook: VoiceWebhook): Promise<string> {
  const { params } = webhook;
  const message = params.recordingStatus === 'completed' ? reportedMessage(params) : undefined;
  if (message === undefined) {
    logger.info('recording is not a message', {
      recordingSid: params.recordingSid,
      status: params.recordingStatus,
      duration: params.recordingDuration,
    });
    return emptyResponse();
  }
  await storeVoicemail(webhook, message, 'recording-callback');
  return emptyResponse();
}
