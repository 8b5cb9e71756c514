import { isTimeZone } from '../commons/schemas.js';
import { storyOf } from '../routing/ledger.js';
import { queueLogLines } from '../routing/queue-log.js';
import { listCalls } from '../store/call-store.js';
import { currentConfiguration } from '../store/configuration.js';
import { readLedger } from '../store/ledger-store.js';
import { reportRange } from './reports.js';
import { badRequest, json, notFound, type AdminResult, type Problem } from './responses.js';

/**
 * The ledger's two readings (SPEC 17): one call's story with the reason for each step, and a group's
 * calls as Asterisk queue_log lines.
 */

const CALL_SID = /^[0-9A-Za-z_-]{1,64}$/;

/** GET /calls/{sid}/explain?timeZone=: the call as a timeline, each step with its reason. One query. */
export async function explainRoute(callSid: string, query: URLSearchParams): Promise<AdminResult> {
  const timeZone = query.get('timeZone') ?? 'UTC';
  const problems: Problem[] = [];
  if (!CALL_SID.test(callSid)) problems.push({ path: 'callSid', message: 'must be a CallSid (letters, digits, - and _)' });
  if (!isTimeZone(timeZone)) problems.push({ path: 'timeZone', message: 'must be an IANA time zone such as Europe/Berlin' });
  if (problems.length > 0) return badRequest('the request is invalid', problems);
  const events = await readLedger(callSid);
  if (events.length === 0) return notFound(`no story is recorded for call ${callSid}`);
  const ended = events.find((event) => event.kind === 'ended');
  return json(200, { callSid, timeZone, outcome: ended?.kind === 'ended' ? ended.outcome : null, steps: storyOf(events, timeZone) });
}

/** An export reads each call's ledger: a month at most, and calls read this many at a time. */
export const MAX_QUEUE_LOG_DAYS = 31;
const READS_AT_ONCE = 25;
/**
 * The calls one export covers at most: each is one query, so 2,000 calls are 80 rounds of 25 (about a
 * second) and about 1 MB of lines, well inside the admin function's time and Lambda's 6 MB answer. A
 * range with more is refused with a 400 that says to ask for a shorter one (a busy group's day).
 */
export const MAX_QUEUE_LOG_CALLS = 2000;

/**
 * GET /reports/queue-log?group=&from=&to=: the group's calls that ended in the range as queue_log
 * lines in time order (text/plain). The call log names the calls (one query per day), then each call's
 * ledger is one query.
 */
export async function queueLogRoute(query: URLSearchParams): Promise<AdminResult> {
  const problems: Problem[] = [];
  const range = reportRange(query, problems, MAX_QUEUE_LOG_DAYS);
  if (problems.length > 0 || range === undefined) return badRequest('the query is invalid', problems);
  const { group, fromMs, toMs } = range;
  if (!(await currentConfiguration()).groups.has(group)) return notFound(`group ${group} not found`);
  const calls = await listCalls({
    group,
    since: new Date(fromMs).toISOString(),
    until: new Date(toMs - 1).toISOString(),
    limit: MAX_QUEUE_LOG_CALLS + 1,
  });
  if (calls.length > MAX_QUEUE_LOG_CALLS)
    return badRequest('the range holds too many calls for one export', [
      { path: 'from', message: `more than ${MAX_QUEUE_LOG_CALLS} calls ended in this range: ask for a shorter one` },
    ]);
  const lines: string[] = [];
  for (let start = 0; start < calls.length; start += READS_AT_ONCE) {
    const ledgers = await Promise.all(calls.slice(start, start + READS_AT_ONCE).map((call) => readLedger(call.callSid)));
    ledgers.forEach((events, index) => lines.push(...queueLogLines(calls[start + index]!.callSid, events, group)));
  }
  const byTime = lines.sort((a, b) => Number(a.split('|')[0]) - Number(b.split('|')[0]));
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: byTime.length === 0 ? '' : `${byTime.join('\n')}\n`,
  };
}
