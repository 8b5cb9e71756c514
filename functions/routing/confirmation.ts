import type { Group } from '../commons/schemas.js';

/**
 * Phones that answer by themselves (SPEC section 15): which answered legs must press 1 before the
 * offer counts as answered, and what a member hears before the bridge. Pure: the group's settings and
 * the kind of device in, the decision out.
 */

/** The kinds of leg an offer or a missed-call action rings. */
export type LegKind = 'client' | 'sip' | 'phone' | 'forward';

/**
 * Whether a leg of this kind must confirm: `phones` (the default) asks phone devices and the forwards
 * to a mobile or a number, which a voicemail box can answer; `all` asks every leg; `off` none.
 */
export function needsConfirmation(group: Pick<Group, 'confirm'>, kind: LegKind): boolean {
  switch (group.confirm) {
    case 'off':
      return false;
    case 'all':
      return true;
    case 'phones':
      return kind === 'phone' || kind === 'forward';
    default:
      return group.confirm satisfies never;
  }
}

/** What the answered leg hears before the bridge; `undefined` when it hears nothing (no `url`). */
export type Screening = {
  /** Ask for a 1: only then is the offer answered. */
  readonly confirm: boolean;
  /** Say the group's name (`group`), and the caller's number (`group-and-caller`). */
  readonly whisper: Group['whisper'];
};

export function screeningFor(group: Pick<Group, 'confirm' | 'whisper'>, kind: LegKind): Screening | undefined {
  const confirm = needsConfirmation(group, kind);
  if (!confirm && group.whisper === 'off') return undefined;
  return { confirm, whisper: group.whisper };
}

/**
 * A screened leg hung up (no 1) and its <Dial> ended with it, before the others had their ring time
 * (one reading of Twilio's docs: the other nouns are cancelled at the first answer). For all-at-once
 * the members whose devices were cut short ring again at once: the ended offer's members, less those
 * who declined (their ringing marks no longer name this call), less those already answered elsewhere.
 * In-order and evenly go on with the next member as for any unanswered offer.
 */
export function ringAgainAfterDecline(options: {
  distribution: Group['distribution'];
  /** The <Dial> ended because a screened leg hung up (answered, never bridged). */
  endedByDecline: boolean;
  /** The members of the offer that ended. */
  offerMembers: readonly string[];
  /** The members whose ringing mark still names this call. */
  stillRinging: ReadonlySet<string>;
}): string[] {
  if (!options.endedByDecline || options.distribution !== 'all-at-once') return [];
  return options.offerMembers.filter((member) => options.stillRinging.has(member));
}
