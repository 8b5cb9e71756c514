import type { CallResult, TranscriptEvent } from '../simulator/engine.js';

/**
 * What the burst figure reads from a simulation's time line (the engine's events and call results),
 * never from the project's own records: the devices' view of who rang and who talked.
 */

export type DoubleOffer = {
  member: string;
  at: number;
  call: string;
  /** The other calls the member was ringing for or talking on at that moment. */
  busyWith: { call: string; state: 'ringing' | 'talking'; since: number }[];
};

/**
 * Offers to a member who was ringing for, or talking on, another call at that moment. A member's
 * ring for a call lasts from the offer to the device's outcome (or the end of the <Dial>); a talk
 * from the answer to the hang-up. Intervals are half-open, so an offer made at the very second the
 * previous one ended is not counted.
 */
export function doubleOffers(events: readonly TranscriptEvent[]): DoubleOffer[] {
  const open = new Map<string, Map<string, { state: 'ringing' | 'talking'; since: number }>>();
  const of = (member: string): Map<string, { state: 'ringing' | 'talking'; since: number }> => {
    let calls = open.get(member);
    if (calls === undefined) {
      calls = new Map();
      open.set(member, calls);
    }
    return calls;
  };
  const closeCall = (call: string): void => {
    for (const calls of open.values()) calls.delete(call);
  };
  const found: DoubleOffer[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'offer':
        for (const member of event.members) {
          const calls = of(member);
          const busyWith = [...calls].filter(([call]) => call !== event.call).map(([call, span]) => ({ call, ...span }));
          if (busyWith.length > 0) found.push({ member, at: event.at, call: event.call, busyWith });
          calls.set(event.call, { state: 'ringing', since: event.at });
        }
        break;
      case 'device':
        if (event.member === undefined) break;
        if (event.outcome === 'answered') of(event.member).set(event.call, { state: 'talking', since: event.at });
        else of(event.member).delete(event.call);
        break;
      case 'dial-end':
      case 'rest':
      case 'hangup':
      case 'error':
        // The <Dial> is over (or interrupted: a REST change ends it without device events).
        closeCall(event.call);
        break;
      default:
        break;
    }
  }
  return found;
}

/** Offers per member (one per member per <Dial>), every member of `members` listed. */
export function offersPerMember(events: readonly TranscriptEvent[], members: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(members.map((member) => [member, 0]));
  for (const event of events) if (event.type === 'offer') for (const member of event.members) counts[member] = (counts[member] ?? 0) + 1;
  return counts;
}

/** Calls that heard `text` said (e.g. the apology prompt). */
export function callsHearing(events: readonly TranscriptEvent[], text: string): Set<string> {
  return new Set(events.flatMap((event) => (event.type === 'say' && event.text.trim() === text.trim() ? [event.call] : [])));
}

/** When each call first joined a waiting line. */
export function firstEnqueued(events: readonly TranscriptEvent[]): Map<string, number> {
  const joined = new Map<string, number>();
  for (const event of events) if (event.type === 'enqueue' && !joined.has(event.call)) joined.set(event.call, event.at);
  return joined;
}

/**
 * Each call's outcome: answered (a member's device took it), voicemail (not answered, a message was
 * recorded), else `other:<how it ended>`.
 */
export function outcomeOf(result: CallResult): string {
  if (result.answeredBy !== undefined) return 'answered';
  if (result.recordings.length > 0) return 'voicemail';
  return `other:${result.ended}`;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const name = key(item);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
