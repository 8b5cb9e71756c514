import { logger } from '../commons/logger.js';
import { getCall } from '../store/call-store.js';
import { getGroup } from '../store/config-store.js';
import { putVoicemail, storedRecordings } from '../store/voicemail-store.js';
import type { TwilioApi, TwilioRecording } from '../twilio-api/client.js';
import { isMessage, recordingUrl } from './messages.js';

/**
 * The scheduled safety net for voicemails (SPEC section 6: a message Twilio recorded is in the list,
 * even if the database was down when it was recorded). The <Record> action and the recording status
 * callback each store the voicemail; when both were lost, the recording is still in Twilio's
 * Recordings list, and this stores it from there.
 */

/** How far back each run looks: far more than the 5 minutes between runs, so a run may fail a while. */
export const RECONCILE_WINDOW_HOURS = 24;

export type ReconcileSummary = {
  /** Recordings Twilio listed for the window's days. */
  listed: number;
  /** Of those, the ones that are voicemails: <Record> recordings, completed, long enough, in the window. */
  found: number;
  /** Found and already stored (by a webhook or an earlier run). */
  alreadyStored: number;
  /** Found and stored by this run. */
  added: number;
  /** Found, but of a call this project has no record of (another application on the account). */
  otherCalls: number;
};

/** A recording the voice webhooks would have stored: made by our <Record>, finished, a message. */
function isVoicemailRecording(
  recording: TwilioRecording,
  since: Date,
): recording is TwilioRecording & { callSid: string; durationSeconds: number } {
  return (
    recording.source === 'RecordVerb' &&
    recording.status === 'completed' &&
    recording.durationSeconds !== undefined &&
    isMessage(recording.durationSeconds) &&
    recording.callSid !== undefined &&
    recording.dateCreated.getTime() >= since.getTime()
  );
}

/** The UTC day `date` falls on, as the Recordings list's `DateCreated>=` filter wants it. */
function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export async function reconcileVoicemails(options: {
  twilio: Pick<TwilioApi, 'listRecordings'>;
  accountSid: string;
  now: Date;
  pageSize?: number;
}): Promise<ReconcileSummary> {
  const since = new Date(options.now.getTime() - RECONCILE_WINDOW_HOURS * 3600 * 1000);
  // The list filters by day: from the start of the window's first day, then precisely by time here.
  const listed = await options.twilio.listRecordings({
    createdOnOrAfter: utcDay(since),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
  const found = listed.filter((recording) => isVoicemailRecording(recording, since));
  const stored = await storedRecordings(found.map((recording) => recording.sid));
  const summary: ReconcileSummary = { listed: listed.length, found: found.length, alreadyStored: 0, added: 0, otherCalls: 0 };
  const groups = new Map<string, Promise<string | undefined>>();
  const firstMemberOf = (group: string): Promise<string | undefined> => {
    let member = groups.get(group);
    if (member === undefined) {
      member = getGroup(group).then((found) => found?.members[0]);
      groups.set(group, member);
    }
    return member;
  };
  for (const recording of found) {
    if (stored.has(recording.sid)) {
      summary.alreadyStored += 1;
      continue;
    }
    // Only calls this project handled: their CALL item lives two days (call-store.ts), longer than
    // the window. Another application on the same account has recordings of its own.
    const call = await getCall(recording.callSid);
    if (call === undefined) {
      summary.otherCalls += 1;
      continue;
    }
    // The webhooks know the voicemail's owner from their URL; here only the call's group is known,
    // so the message is left for the group and its first member, as for a caller who waited too long.
    const group = call.group;
    const added = await putVoicemail(
      {
        recordingSid: recording.sid,
        callSid: recording.callSid,
        caller: typeof call.from === 'string' ? call.from : 'unknown',
        group,
        member: group === undefined ? undefined : await firstMemberOf(group),
        recordingUrl: recordingUrl(options.accountSid, recording.sid),
        durationSeconds: recording.durationSeconds,
        recordedAt: recording.dateCreated.toISOString(),
      },
      'reconciliation',
      options.now,
    );
    // A webhook may have stored it since the markers were read: then it is already stored.
    if (added) {
      summary.added += 1;
      logger.info('voicemail stored by reconciliation', { callSid: recording.callSid, recordingSid: recording.sid });
    } else {
      summary.alreadyStored += 1;
    }
  }
  return summary;
}
