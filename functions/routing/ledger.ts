import type { Distribution, Member } from '../commons/schemas.js';
import { talkSecondsOf, type CallOutcome } from './call-outcome.js';
import { eligibility, activity, type Eligibility, type PresenceView } from './eligibility.js';
import type { Rotation } from './distribution.js';
import { clockTime } from './wall-clock.js';

/**
 * The ledger (SPEC 17): what happened to a call, one event per step, with the reason for each choice
 * the routing core made. Events are written by the webhooks that take those steps, each under a key
 * the step alone decides (a retried webhook writes the same key again, which keeps the first event);
 * the call's story, its queue_log lines and its members' figures are all read from them. Times are
 * epoch milliseconds.
 */

/** Why a member of the group was not rung, with the moment that reason started (or ends). */
export type Skip = {
  readonly member: string;
  readonly reason: Exclude<Eligibility, 'eligible'> | 'not-chosen';
  /** Away since, talking since, ringing since (epoch ms). */
  readonly since?: number | undefined;
  /** Wrapping up until (epoch ms). */
  readonly until?: number | undefined;
  /** Not chosen: whom the distribution preferred, and when that member was offered last (evenly). */
  readonly preferred?: string | undefined;
};

/** Why a member was rung. */
export type Chosen = {
  readonly member: string;
  readonly reason: 'longest-ago' | 'never-offered' | 'first-in-order' | 'all-at-once' | 'extension' | 'after-race' | 'line';
  /** evenly: when they were offered a call last (epoch ms). */
  readonly lastOfferAt?: number | undefined;
};

/** Why a group's missed-call action ran. */
export type ActionWhy = 'nobody-answered' | 'closed' | 'line-full' | 'nobody-available' | 'max-wait' | 'menu';

export type LedgerEvent =
  | { readonly kind: 'entered'; readonly at: number; readonly group: string; readonly from?: string | undefined }
  | { readonly kind: 'closed'; readonly at: number; readonly group: string; readonly action: string }
  | {
      readonly kind: 'offered';
      readonly at: number;
      readonly group: string;
      readonly members: readonly Chosen[];
      readonly skipped: readonly Skip[];
      /** The claim that wrote it (store/claims.ts): only that claim may replace it. */
      readonly claim?: string | undefined;
    }
  | {
      readonly kind: 'not-answered';
      readonly at: number;
      readonly group: string;
      readonly members: readonly string[];
      readonly ringSeconds: number;
      /** Twilio's DialCallStatus (no-answer, busy, failed) or `declined` (a confirmation not given). */
      readonly status: string;
    }
  | {
      readonly kind: 'answered';
      readonly at: number;
      readonly member: string;
      /** A pickup: the member whose ringing phone the call was taken from. */
      readonly pickedUpFrom?: string | undefined;
      /** The member's leg (its CallSid), when known: queue_log's bridged channel. */
      readonly leg?: string | undefined;
    }
  | { readonly kind: 'talk-ended'; readonly at: number; readonly member: string; readonly hungUpBy: 'caller' | 'member' }
  | { readonly kind: 'waiting'; readonly at: number; readonly group: string }
  | {
      readonly kind: 'missed-call-action';
      readonly at: number;
      readonly group: string;
      readonly action: 'voicemail' | 'forward' | 'distribute' | 'hangup';
      /** The number forwarded to, or the group distributing next. */
      readonly to?: string | undefined;
      readonly why: ActionWhy;
    }
  | {
      /** The callback the caller asked for (SPEC 16) ended: reached by `member`, or failed after every attempt. */
      readonly kind: 'callback';
      readonly at: number;
      readonly group: string;
      readonly member?: string | undefined;
      readonly reached: boolean;
      readonly attempts: number;
    }
  | {
      readonly kind: 'ended';
      readonly at: number;
      readonly outcome: CallOutcome;
      readonly durationSeconds: number;
      readonly answeredBy?: string | undefined;
      readonly answeredAfterSeconds?: number | undefined;
      readonly waitedSeconds?: number | undefined;
    };

export type LedgerKind = LedgerEvent['kind'];

/**
 * The key of an event within its call: the step that writes it decides it, so a retried webhook
 * writes the same key. `index` tells offers of one group apart (how many members were offered before).
 */
export function eventKey(event: LedgerEvent, index?: string): string {
  switch (event.kind) {
    case 'entered':
    case 'closed':
    case 'waiting':
    case 'missed-call-action':
      return `${event.kind}#${event.group}`;
    case 'offered':
      return offerKey(event.group, index ?? '');
    case 'not-answered':
      return `${event.kind}#${event.group}#${index ?? ''}`;
    case 'answered':
    case 'talk-ended':
      return `${event.kind}#${event.member}`;
    case 'ended':
    case 'callback':
      return event.kind;
    default:
      return event satisfies never;
  }
}

/** The key of an offer's event: its group and how many members were offered before it (or a line entry's version). */
export function offerKey(group: string, index: string): string {
  return `offered#${group}#${index}`;
}

/** The state an offer was decided on: members (with when their status last changed), their marks, the rotation. */
export type OfferState = {
  readonly members: ReadonlyMap<string, Member & { statusSince?: string | undefined }>;
  readonly presence: PresenceView;
  readonly rotation: Rotation;
  readonly afterLostRace?: boolean | undefined;
};

const msOf = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);

/**
 * The offer event of a claim: why each chosen member was rung and why each other member of `order`
 * was not. `distribution` is the group's (a member extension rings its member whatever it is).
 */
export function offerEvent(options: {
  group: string;
  at: number;
  order: readonly string[];
  distribution: Distribution | 'extension' | 'line';
  offered: readonly string[];
  chosen: readonly string[];
  state: OfferState;
}): LedgerEvent & { kind: 'offered' } {
  const { state, chosen } = options;
  const offeredBefore = new Set(options.offered);
  const lastOfferAt = (member: string): number | undefined => state.rotation.lastOffer.get(member);
  const reasonOf = (member: string): Chosen['reason'] => {
    if (options.distribution === 'extension') return 'extension';
    if (options.distribution === 'line') return 'line';
    if (state.afterLostRace === true && options.distribution !== 'all-at-once') return 'after-race';
    if (options.distribution === 'all-at-once') return 'all-at-once';
    if (options.distribution === 'in-order') return 'first-in-order';
    return lastOfferAt(member) === undefined ? 'never-offered' : 'longest-ago';
  };
  const members = chosen.map((member) => ({ member, reason: reasonOf(member), lastOfferAt: lastOfferAt(member) }));
  const [preferred] = chosen;
  const skipped = options.order
    .filter((member) => !chosen.includes(member))
    .map((member): Skip => {
      const found = state.members.get(member);
      const why = eligibility(found, offeredBefore, state.presence);
      if (why === 'eligible') return { member, reason: 'not-chosen', preferred, since: lastOfferAt(member) };
      if (why === 'away')
        return { member, reason: why, since: found?.statusSince === undefined ? undefined : Date.parse(found.statusSince) };
      const now = activity(state.presence.byMember.get(member), state.presence.now);
      if (now.kind === 'busy' || now.kind === 'ringing') return { member, reason: why, since: msOf(now.since) };
      if (now.kind === 'wrap-up') return { member, reason: why, until: msOf(now.until) };
      return { member, reason: why };
    });
  return { kind: 'offered', at: options.at, group: options.group, members, skipped };
}

/** One line of a call's story. */
export type StoryStep = { at: string; time: string; kind: LedgerKind; text: string };

/** Events in the order they happened (a call's events of the same millisecond keep the order of their kinds). */
const KIND_ORDER: readonly LedgerKind[] = [
  'entered',
  'closed',
  'offered',
  'not-answered',
  'answered',
  'waiting',
  'missed-call-action',
  'talk-ended',
  'ended',
  'callback',
];

export function inOrder(events: readonly LedgerEvent[]): LedgerEvent[] {
  return [...events].sort((a, b) => a.at - b.at || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

const hhmm = (atMs: number | undefined, timeZone: string): string => (atMs === undefined ? '' : clockTime(atMs, timeZone).slice(0, 5));

function skipText(skip: Skip, timeZone: string): string {
  const since = skip.since === undefined ? '' : ` since ${hhmm(skip.since, timeZone)}`;
  switch (skip.reason) {
    case 'away':
      return `${skip.member} skipped: away${since}`;
    case 'no-devices':
      return `${skip.member} skipped: no phone to ring`;
    case 'unknown-member':
      return `${skip.member} skipped: not a member any more`;
    case 'already-offered':
      return `${skip.member} not rung: already offered this call`;
    case 'busy':
      return `${skip.member} not rung: talking${since}`;
    case 'ringing':
      return `${skip.member} not rung: ringing for another call${since}`;
    case 'wrap-up':
      return `${skip.member} not rung: wrapping up until ${hhmm(skip.until, timeZone)}`;
    case 'not-chosen':
      return skip.preferred === undefined
        ? `${skip.member} not rung: free, not chosen`
        : `${skip.member} not rung: free, ${skip.preferred} came first${skip.since === undefined ? '' : ` (${skip.member} offered last at ${hhmm(skip.since, timeZone)})`}`;
    default:
      return skip.reason satisfies never;
  }
}

function chosenText(chosen: Chosen, timeZone: string): string {
  const reason = {
    'longest-ago': `offered longest ago (${hhmm(chosen.lastOfferAt, timeZone)})`,
    'never-offered': 'never offered a call before',
    'first-in-order': "first free member in the group's order",
    'all-at-once': 'rung with every free member',
    extension: 'their extension was dialled',
    'after-race': 'free after another call took the first choice',
    line: 'free for the longest-waiting caller',
  }[chosen.reason];
  return `${chosen.member} offered: ${reason}`;
}

const ACTION_TEXT: Record<ActionWhy, string> = {
  'nobody-answered': 'nobody answered',
  closed: 'the group is closed',
  'line-full': 'the waiting line is full',
  'nobody-available': 'nobody of the group is available',
  'max-wait': 'the caller waited the longest time allowed',
  menu: 'the caller chose it in the waiting line',
};

/** The texts of one event (an offer explains every member). */
function textsOf(event: LedgerEvent, timeZone: string, firstAt: number): string[] {
  switch (event.kind) {
    case 'entered':
      return [`entered ${event.group}`];
    case 'closed':
      return [`${event.group} is closed: ${event.action} without ringing anyone`];
    case 'offered':
      return [...event.skipped.map((skip) => skipText(skip, timeZone)), ...event.members.map((chosen) => chosenText(chosen, timeZone))];
    case 'not-answered':
      return event.members.map((member) => `${member} did not answer (${event.status}, rang ${event.ringSeconds} s)`);
    case 'answered':
      return [
        event.pickedUpFrom === undefined
          ? `answered by ${event.member} after ${Math.round((event.at - firstAt) / 1000)} s`
          : `picked up by ${event.member} from ${event.pickedUpFrom}'s ringing phone after ${Math.round((event.at - firstAt) / 1000)} s`,
      ];
    case 'talk-ended':
      return [`${event.hungUpBy === 'caller' ? 'the caller' : event.member} hung up`];
    case 'waiting':
      return [`waiting in ${event.group}'s line`];
    case 'missed-call-action': {
      const what = {
        voicemail: 'voicemail',
        forward: `forwarded to ${event.to ?? '?'}`,
        distribute: `on to ${event.to ?? '?'}`,
        hangup: 'hung up',
      }[event.action];
      return [`${event.group}: ${what} (${ACTION_TEXT[event.why]})`];
    }
    case 'ended':
      return [`ended: ${event.outcome}, ${event.durationSeconds} s`];
    case 'callback': {
      const tries = `${event.attempts} ${event.attempts === 1 ? 'attempt' : 'attempts'}`;
      return [event.reached ? `called back by ${event.member ?? '?'} (${tries})` : `callback failed after ${tries}`];
    }
    default:
      return event satisfies never;
  }
}

/**
 * The skips worth telling: a member already offered this call says nothing new, nor does the same
 * reason a previous offer of the group gave for the same member (an in-order call's second offer
 * would repeat "anna skipped: away").
 */
function newSkips(ordered: readonly LedgerEvent[]): LedgerEvent[] {
  const told = new Set<string>();
  return ordered.map((event) => {
    if (event.kind !== 'offered') return event;
    const skipped = event.skipped.filter((skip) => {
      const key = `${event.group}#${skip.member}#${skip.reason}#${skip.since ?? ''}#${skip.until ?? ''}`;
      const fresh = skip.reason !== 'already-offered' && !told.has(key);
      told.add(key);
      return fresh;
    });
    return { ...event, skipped };
  });
}

/** The call's story: every step with its time in `timeZone` and its reason. */
export function storyOf(events: readonly LedgerEvent[], timeZone: string): StoryStep[] {
  const ordered = newSkips(inOrder(events));
  const firstAt = ordered[0]?.at ?? 0;
  return ordered.flatMap((event) =>
    textsOf(event, timeZone, firstAt).map((text) => ({
      at: new Date(event.at).toISOString(),
      time: clockTime(event.at, timeZone),
      kind: event.kind,
      text,
    })),
  );
}

/**
 * The offer the call was answered on: the last offer to the answering member before their answer,
 * or for a pickup the last offer to the member whose ringing phone it was taken from. Undefined when
 * nobody answered, or the answer was on no offer.
 */
export function answeredOfferOf(
  events: readonly LedgerEvent[],
): { offer: LedgerEvent & { kind: 'offered' }; answered: LedgerEvent & { kind: 'answered' } } | undefined {
  const ordered = inOrder(events);
  const answered = ordered.find((event): event is LedgerEvent & { kind: 'answered' } => event.kind === 'answered');
  if (answered === undefined) return undefined;
  const rang = answered.pickedUpFrom ?? answered.member;
  const offer = ordered
    .filter(
      (event): event is LedgerEvent & { kind: 'offered' } =>
        event.kind === 'offered' && event.at <= answered.at && event.members.some((each) => each.member === rang),
    )
    .at(-1);
  return offer === undefined ? undefined : { offer, answered };
}

/** A member's figures in a group (SPEC 17), added to the bucket of the call's start when it ends. */
export type MemberTally = { offers: number; answered: number; missedOffers: number; talkSeconds: number };
export const MEMBER_TALLY_FIELDS: readonly (keyof MemberTally)[] = ['offers', 'answered', 'missedOffers', 'talkSeconds'];

/**
 * What the call adds to each member's figures per group: every offer counts; the offer the member
 * answered is answered (with the call's talk time), every other offer is a missed offer. A pickup is
 * no offer and counts nothing here.
 */
export function memberTallies(events: readonly LedgerEvent[]): Map<string, Map<string, MemberTally>> {
  const byGroup = new Map<string, Map<string, MemberTally>>();
  const tallyOf = (group: string, member: string): MemberTally => {
    const members = byGroup.get(group) ?? new Map<string, MemberTally>();
    byGroup.set(group, members);
    const tally = members.get(member) ?? { offers: 0, answered: 0, missedOffers: 0, talkSeconds: 0 };
    members.set(member, tally);
    return tally;
  };
  const ordered = inOrder(events);
  const ended = ordered.find((event) => event.kind === 'ended');
  const answer = answeredOfferOf(ordered);
  for (const event of ordered) {
    if (event.kind !== 'offered') continue;
    for (const { member } of event.members) {
      const tally = tallyOf(event.group, member);
      tally.offers += 1;
      // A pickup is no offer: the member whose phone it rang at missed it; the picker is not counted.
      if (event === answer?.offer && answer.answered.member === member && answer.answered.pickedUpFrom === undefined) {
        tally.answered += 1;
        if (ended?.kind === 'ended') tally.talkSeconds += talkSecondsOf(ended);
      } else tally.missedOffers += 1;
    }
  }
  return byGroup;
}

/**
 * What the ledger adds to a group's counts of a call (report.ts's GroupSteps): forwarded, closed,
 * passed on to another group (its outcome is then that group's), whether the group's offer was the
 * one answered and after how long in the group. Without ledger events (a call recorded before the
 * ledger) nothing is known and the call's record decides.
 */
export function groupSteps(
  events: readonly LedgerEvent[],
  group: string,
): { forwarded: boolean; closed: boolean; passedOn: boolean; answeredHere?: boolean; answerSeconds?: number } {
  const ordered = inOrder(events);
  const actions = ordered.filter((event) => event.kind === 'missed-call-action' && event.group === group);
  const forwarded = actions.some((event) => event.kind === 'missed-call-action' && event.action === 'forward');
  const closed = ordered.some((event) => event.kind === 'closed' && event.group === group);
  const answer = answeredOfferOf(ordered);
  const answeredHere = answer?.offer.group === group;
  const passedOn = !answeredHere && actions.some((event) => event.kind === 'missed-call-action' && event.action === 'distribute');
  if (answer === undefined) return { forwarded, closed, passedOn };
  const entered = ordered.find((event) => event.kind === 'entered' && event.group === group);
  return {
    forwarded,
    closed,
    passedOn,
    answeredHere,
    ...(answeredHere === true && entered !== undefined
      ? { answerSeconds: Math.max(0, Math.round((answer.answered.at - entered.at) / 1000)) }
      : {}),
  };
}
