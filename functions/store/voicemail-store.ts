import { tableName } from './client.js';
import { writeTogether } from './conditions.js';
import { batchGet, queryPartition } from './configuration.js';
import { keys, partitions, type Key } from './keys.js';

/** A stored voicemail (SPEC section 6). */
export type Voicemail = {
  recordingSid: string;
  callSid: string;
  caller: string;
  group: string | undefined;
  member: string | undefined;
  recordingUrl: string;
  durationSeconds: number;
  recordedAt: string;
};

/**
 * Which signal stored a voicemail first: the <Record> action, the recording status callback, or the
 * scheduled reconciliation against Twilio's Recordings list. Kept on the recording's marker, so an
 * operator can see how often the webhooks were lost.
 */
export type VoicemailSource = 'record-action' | 'recording-callback' | 'reconciliation';

/**
 * One marker per recording, `RECORDING#<RecordingSid>` / `RECORDING`, written in the same transaction
 * as the voicemail and only if absent. The voicemail's own key starts with its time (GET /voicemails
 * lists newest first), and the three signals do not agree on that time: the webhooks carry the moment
 * the voicemail prompt was issued, the Recordings list its `date_created`. The marker is keyed by the
 * RecordingSid alone, so the same recording is stored once whichever signal comes first.
 * (Belongs in keys.ts's table of items; kept here until that file is free to change.)
 */
export function recordingMarkerKey(recordingSid: string): Key {
  return { pk: `RECORDING#${recordingSid}`, sk: 'RECORDING' };
}

const NOT_STORED_YET = 'attribute_not_exists(pk)';

/** Store a voicemail once per recording; `false` when it was already stored (by any signal). */
export async function putVoicemail(voicemail: Voicemail, source: VoicemailSource, now: Date): Promise<boolean> {
  const voicemailKey = keys.voicemail(voicemail.recordedAt, voicemail.recordingSid);
  const outcome = await writeTogether([
    {
      Put: {
        TableName: tableName,
        Item: {
          ...recordingMarkerKey(voicemail.recordingSid),
          voicemailSk: voicemailKey.sk,
          storedBy: source,
          storedAt: now.toISOString(),
        },
        ConditionExpression: NOT_STORED_YET,
      },
    },
    // The same condition on the voicemail itself: a voicemail stored before markers existed is
    // not written a second time either.
    { Put: { TableName: tableName, Item: { ...voicemailKey, ...voicemail }, ConditionExpression: NOT_STORED_YET } },
  ]);
  if (outcome.kind === 'written') return true;
  if (outcome.failed.length > 0) return false;
  throw new Error(`voicemail ${voicemail.recordingSid} collided with another write (transaction conflict)`);
}

/** Which of these recordings are already stored as voicemails (BatchGetItem on their markers). */
export async function storedRecordings(recordingSids: readonly string[]): Promise<Set<string>> {
  if (recordingSids.length === 0) return new Set();
  const items = await batchGet([...new Set(recordingSids)].map(recordingMarkerKey));
  return new Set(items.map((item) => String(item.pk).slice('RECORDING#'.length)));
}

/** Voicemails, newest first, optionally of one group. */
export async function listVoicemails(options: { group?: string; limit?: number } = {}): Promise<Voicemail[]> {
  const items = await queryPartition(partitions.voicemails, {
    descending: true,
    ...(options.group === undefined && options.limit !== undefined ? { limit: options.limit } : {}),
  });
  const voicemails = items.map((item): Voicemail => ({
    recordingSid: String(item.recordingSid),
    callSid: String(item.callSid),
    caller: String(item.caller),
    group: typeof item.group === 'string' ? item.group : undefined,
    member: typeof item.member === 'string' ? item.member : undefined,
    recordingUrl: String(item.recordingUrl),
    durationSeconds: Number(item.durationSeconds),
    recordedAt: String(item.recordedAt),
  }));
  const filtered = options.group === undefined ? voicemails : voicemails.filter((voicemail) => voicemail.group === options.group);
  return options.limit === undefined ? filtered : filtered.slice(0, options.limit);
}
