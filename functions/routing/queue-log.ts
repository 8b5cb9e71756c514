import { talkSecondsOf } from './call-outcome.js';
import { answeredOfferOf, inOrder, type LedgerEvent } from './ledger.js';

/**
 * The ledger as Asterisk `queue_log` lines (SPEC 17), so existing queue tools can read it. Asterisk
 * writes `epoch|uniqueid|queue|agent|EVENT|data1|data2|...`; here the unique id is the CallSid, the
 * queue is the group's id, the agent the member's id (`NONE` when no member is concerned). Events:
 * - ENTERQUEUE(url|callerid|position): the call entered the group.
 * - RINGNOANSWER(ringtime ms): an offer to the member rang out, was declined or busy.
 * - CONNECT(holdtime|bridged uniqueid|ringtime): the member answered (the bridged id is their leg's
 *   CallSid); the hold time runs from entering.
 * - COMPLETECALLER / COMPLETEAGENT(holdtime|calltime|origposition): who hung up the answered call.
 * - ABANDON(position|origposition|waittime): the caller hung up before an answer in this group.
 * - EXITWITHTIMEOUT(position|origposition|waittime): nobody answered (or the longest wait passed) and
 *   the group's missed-call action took the call; EXITEMPTY: nobody of the group was available or the
 *   group was closed; EXITWITHKEY(key|position): the caller chose voicemail in the waiting line; FULL:
 *   the line was full.
 * Positions are 1: the line's place is not kept in the ledger.
 */
export function queueLogLines(callSid: string, events: readonly LedgerEvent[], group: string): string[] {
  const ordered = inOrder(events);
  const entered = ordered.find((event) => event.kind === 'entered' && event.group === group);
  if (entered === undefined) return [];
  const seconds = (atMs: number): number => Math.floor(atMs / 1000);
  const since = (atMs: number): number => Math.max(0, Math.round((atMs - entered.at) / 1000));
  const line = (atMs: number, agent: string, event: string, ...data: (string | number)[]): string =>
    [seconds(atMs), callSid, group, agent, event, ...data].join('|');
  const lines: string[] = [line(entered.at, 'NONE', 'ENTERQUEUE', '', entered.kind === 'entered' ? (entered.from ?? '') : '', 1)];
  // The answer belongs to this group when the offer it was made on is this group's.
  const answer = answeredOfferOf(ordered);
  const answeredHere = answer?.offer.group === group ? answer : undefined;
  const ended = ordered.find((event) => event.kind === 'ended');
  // COMPLETEAGENT / COMPLETECALLER: the hold before the answer, the talk after it.
  const complete = (answered: LedgerEvent & { kind: 'answered' }, atMs: number, by: 'caller' | 'member'): string =>
    line(
      atMs,
      answered.member,
      by === 'caller' ? 'COMPLETECALLER' : 'COMPLETEAGENT',
      since(answered.at),
      ended?.kind === 'ended' ? talkSecondsOf(ended) : since(atMs) - since(answered.at),
      1,
    );
  // Once the call has left the group (answered and hung up, passed on, ended) nothing more is written.
  for (const event of ordered) {
    if (event.kind === 'not-answered' && event.group === group)
      for (const member of event.members) lines.push(line(event.at, member, 'RINGNOANSWER', event.ringSeconds * 1000));
    if (event === answeredHere?.answered) {
      const ring = Math.max(0, Math.round((event.at - answeredHere.offer.at) / 1000));
      lines.push(line(event.at, event.member, 'CONNECT', since(event.at), event.leg ?? callSid, ring));
    }
    if (event.kind === 'talk-ended' && event.member === answeredHere?.answered.member) {
      lines.push(complete(answeredHere.answered, event.at, event.hungUpBy));
      break;
    }
    if ((event.kind === 'missed-call-action' || event.kind === 'closed') && event.group === group) {
      const why = event.kind === 'closed' ? 'closed' : event.why;
      if (why === 'menu') lines.push(line(event.at, 'NONE', 'EXITWITHKEY', 2, 1));
      else if (why === 'line-full') lines.push(line(event.at, 'NONE', 'FULL'));
      else if (why === 'nobody-available' || why === 'closed') lines.push(line(event.at, 'NONE', 'EXITEMPTY', 1, 1, since(event.at)));
      else lines.push(line(event.at, 'NONE', 'EXITWITHTIMEOUT', 1, 1, since(event.at)));
      break;
    }
    if (event.kind === 'ended') {
      // Answered, and the <Dial>'s action that says who hung up never came: the call's end is the caller's.
      if (answeredHere !== undefined) lines.push(complete(answeredHere.answered, event.at, 'caller'));
      else if (event.outcome === 'abandoned-ringing' || event.outcome === 'abandoned-waiting')
        lines.push(line(event.at, 'NONE', 'ABANDON', 1, 1, since(event.at)));
      // The caller pressed 1 in the waiting line for a callback.
      else if (event.outcome === 'callback-requested') lines.push(line(event.at, 'NONE', 'EXITWITHKEY', 1, 1));
      break;
    }
  }
  return lines;
}
