import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { MEMBER_TALLY_FIELDS, type MemberTally } from '../routing/ledger.js';
import { bucketOf, TALLY_FIELDS, type Bucket, type MemberBucket, type StatusChange, type Tally } from '../routing/report.js';
import type { MemberStatus } from '../commons/schemas.js';
import { send, tableName } from './client.js';
import { queryPartition } from './configuration.js';
import { keys } from './keys.js';

/**
 * Report counters (SPEC 17): one item per group and 15-minute bucket, under the group's UTC day, so a
 * report reads at most 96 items a day whatever the number of calls. The counts are added with ADD in
 * the same transaction as the mark that says the call's end was recorded (call-store's finishCall), so
 * a retried status callback counts nothing twice. The longest wait is a maximum, which a repeat cannot
 * raise: it is written beside, only when larger.
 */

/** The updates that add `add` to the bucket of a call that started at `startedAt`, for a transaction. */
export function tallyUpdate(group: string, startedAt: string, add: Partial<Tally>) {
  const { day, start } = bucketOf(startedAt);
  const fields = TALLY_FIELDS.filter((field) => (add[field] ?? 0) !== 0);
  return {
    TableName: tableName,
    Key: keys.reportBucket(group, day, start),
    UpdateExpression: `ADD ${fields.map((field) => `#${field} :${field}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(fields.map((field) => [`#${field}`, field])),
    ExpressionAttributeValues: Object.fromEntries(fields.map((field) => [`:${field}`, add[field]])),
  };
}

/** The update that adds a member's figures of one call to their bucket in the group, for a transaction. */
export function memberTallyUpdate(group: string, member: string, startedAt: string, add: MemberTally) {
  const { day, start } = bucketOf(startedAt);
  const fields = MEMBER_TALLY_FIELDS.filter((field) => add[field] !== 0);
  return {
    TableName: tableName,
    Key: keys.memberBucket(group, day, start, member),
    UpdateExpression: `ADD ${fields.map((field) => `#${field} :${field}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(fields.map((field) => [`#${field}`, field])),
    ExpressionAttributeValues: Object.fromEntries(fields.map((field) => [`:${field}`, add[field]])),
  };
}

/** The bucket's longest wait, raised to `seconds` only if that is longer. */
export function longestWaitUpdate(group: string, startedAt: string, seconds: number) {
  const { day, start } = bucketOf(startedAt);
  return {
    TableName: tableName,
    Key: keys.reportBucket(group, day, start),
    UpdateExpression: 'SET longestWaitSeconds = :seconds',
    ConditionExpression: 'attribute_not_exists(longestWaitSeconds) OR longestWaitSeconds < :seconds',
    ExpressionAttributeValues: { ':seconds': seconds },
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** The buckets of `group` from `fromMs` (inclusive) to `toMs` (exclusive), one query per UTC day, and how many items were read. */
export async function readBuckets(
  group: string,
  fromMs: number,
  toMs: number,
): Promise<{ buckets: Bucket[]; members: MemberBucket[]; itemsRead: number }> {
  const days: string[] = [];
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS) days.push(new Date(day).toISOString().slice(0, 10));
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const pages = await Promise.all(
    days.map(async (day) => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': keys.reportBucket(group, day, '').pk, ':from': from, ':to': to },
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return items;
    }),
  );
  // A group's bucket has the bucket's start as its key; a member's, the start and the member.
  const all = pages.flat();
  const number = (item: Record<string, unknown>, field: string): number => (typeof item[field] === 'number' ? item[field] : 0);
  const groupItems = all.filter((item) => !String(item.sk).includes('#') && String(item.sk) < to);
  const memberItems = all.filter((item) => String(item.sk).includes('#') && String(item.sk).split('#')[0]! < to);
  return {
    itemsRead: all.length,
    buckets: groupItems.map((item) => ({
      start: String(item.sk),
      tally: Object.fromEntries(TALLY_FIELDS.map((field) => [field, number(item, field)])) as Tally,
      longestWaitSeconds: number(item, 'longestWaitSeconds'),
    })),
    members: memberItems.map((item) => {
      const [start = '', ...member] = String(item.sk).split('#');
      return {
        start,
        member: member.join('#'),
        tally: Object.fromEntries(MEMBER_TALLY_FIELDS.map((field) => [field, number(item, field)])) as MemberTally,
      };
    }),
  };
}

/** A member's status change, for their time available and away; written with the change itself. */
export function statusChangePut(member: string, at: string, status: MemberStatus) {
  return { TableName: tableName, Item: { ...keys.statusChange(member, at), status } };
}

/**
 * A member's status changes within [fromMs, toMs), with the last change before (the status the range
 * starts with): two queries of the member's own partition.
 */
export async function readStatusChanges(member: string, fromMs: number, toMs: number): Promise<StatusChange[]> {
  const pk = keys.statusChange(member, '').pk;
  const from = new Date(fromMs).toISOString();
  const [before, within] = await Promise.all([
    queryPartition(pk, { descending: true, limit: 1, between: ['0', from] }),
    queryPartition(pk, { between: [from, new Date(toMs).toISOString()] }),
  ]);
  return [...before.filter((item) => String(item.sk) < from), ...within].flatMap((item) =>
    item.status === 'available' || item.status === 'away' ? [{ at: Date.parse(String(item.sk)), status: item.status }] : [],
  );
}
