import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { send, tableName } from './client.js';
import { queryPartition } from './config-store.js';
import { keys, partitions } from './keys.js';

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

/** The recording is stored once: a repeated recording callback finds it there and changes nothing. */
const NOT_STORED_YET = 'attribute_not_exists(pk)';

/** Store a voicemail; `false` when it was already stored (a repeated callback). */
export async function putVoicemail(voicemail: Voicemail): Promise<boolean> {
  try {
    await send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.voicemail(voicemail.recordedAt, voicemail.recordingSid), ...voicemail },
        ConditionExpression: NOT_STORED_YET,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Voicemails, newest first, optionally of one group. */
export async function listVoicemails(options: { group?: string; limit?: number } = {}): Promise<Voicemail[]> {
  const items = await queryPartition(partitions.voicemails, { descending: true, ...(options.group === undefined && options.limit !== undefined ? { limit: options.limit } : {}) });
  const voicemails = items.map(
    (item): Voicemail => ({
      recordingSid: String(item.recordingSid),
      callSid: String(item.callSid),
      caller: String(item.caller),
      group: typeof item.group === 'string' ? item.group : undefined,
      member: typeof item.member === 'string' ? item.member : undefined,
      recordingUrl: String(item.recordingUrl),
      durationSeconds: Number(item.durationSeconds),
      recordedAt: String(item.recordedAt),
    }),
  );
  const filtered = options.group === undefined ? voicemails : voicemails.filter((voicemail) => voicemail.group === options.group);
  return options.limit === undefined ? filtered : filtered.slice(0, options.limit);
}
