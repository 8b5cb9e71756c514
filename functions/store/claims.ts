import { randomUUID } from 'node:crypto';
import { logger } from '../commons/logger.js';
import type { Presence } from '../routing/eligibility.js';
import type { WaitingCaller } from '../routing/waiting-line.js';
import { offeredUpdate, type CallStart } from './call-store.js';
import { writeIf, writeTogether, type TransactItem } from './conditions.js';
import { batchGet } from './configuration.js';
import { keys, type Key } from './keys.js';
import { eventDelete, offerEventUpdate } from './ledger-store.js';
import type { LedgerEvent } from '../routing/ledger.js';
import type { StoredItem } from './items.js';
import { entryUpdate } from './line-store.js';
import { busyUpdate, presenceFromItems, ringingEndUpdate, ringingUpdate } from './presence-store.js';
import { rotationFromPresence, type RotationState } from './rotation-store.js';

/**
 * The one way members are claimed for a call (SPEC sections 4, 5, 7, 13): distribution, the waiting
 * line and every later path use it. A claim writes each chosen member's ringing mark (only if the
 * member is free, or already rings for this very call; for evenly the same write records the offer in
 * the group's rotation), the call's record of the offer, and for a waiting caller its entry (only at
 * the version read), in one round trip (writeAttempt says when it is one transaction). When no mark
 * could be written the members' marks (and so the rotation) are read again, once, and the routing core
 * decides again on what is true now; after MAX_CLAIM_ATTEMPTS the caller gets the missed-call action
 * instead of waiting on a race.
 */

/**
 * Attempts per claim. With fresh marks after each failure, a caller that loses a race sees every
 * member the winners took, and tries again only while a member is still free: in a burst of 200 calls
 * into 5 members each loser's second or third look finds everyone ringing and goes on at once, while
 * six callers racing for five members still all get a member. The bound keeps a webhook from chasing
 * free members for ever under extreme contention.
 */
export const MAX_CLAIM_ATTEMPTS = 5;

/** What a claim decides on: the members' marks and the group's rotation. */
export type ClaimState = {
  readonly presence: ReadonlyMap<string, Presence>;
  readonly rotation: RotationState;
  /** The state was read again after this claim lost a race (the routing core spreads racing callers). */
  readonly afterLostRace?: boolean;
};

export type Claim = {
  readonly callSid: string;
  readonly group: string;
  /** Epoch seconds: the clock of every mark. */
  readonly now: number;
  /** The ringing marks expire then (epoch seconds). */
  readonly ringingUntil: number;
  /** The members whose marks the decision reads. */
  readonly members: readonly string[];
  /** evenly: record the offer in the group's rotation under this key; a repeat gets the same member. */
  readonly rotationKey?: string | undefined;
  /** A waiting caller taken from the line: the entry becomes `offered` in the same write. */
  readonly lineEntry?: WaitingCaller | undefined;
  /** Twilio's REST API will move the call: noted so the interrupted <Dial>'s action changes nothing. */
  readonly redirect?: boolean | undefined;
  /** The call's first offer starts its item in the same write (incoming). */
  readonly callStart?: CallStart | undefined;
  /**
   * The members of the offer that just ended: their ringing marks for this call end in the same write
   * as the next offer (those read as still ringing for it and not offered again).
   */
  readonly release?: readonly string[] | undefined;
  /** A member's own call: they are busy while it lasts (recorded on the call, so its end clears the mark). */
  readonly placedBy?: PlacedCall | undefined;
  /** Members may still ring for this other call, whose offer ends beside this claim (presence-store's `takeOverFrom`). */
  readonly takeOverFrom?: string | undefined;
  /** The routing core's choice on a state: the members to ring, none when nobody is eligible. */
  readonly decide: (state: ClaimState) => readonly string[];
  /**
   * The ledger's event of the offer (SPEC 17), from the state decided on and the members chosen:
   * written in the same round trip as the marks (in the transaction when there is one).
   */
  readonly offerEvent?: OfferEvent | undefined;
};

/** An offer's ledger event: its index (the key within the call) and how the state and members tell it. */
export type OfferEvent = {
  readonly index: string;
  readonly describe: (state: ClaimState, members: readonly string[]) => LedgerEvent & { kind: 'offered' };
};

/** The member who placed a call, busy until `until` (epoch seconds) unless the call ends sooner. */
export type PlacedCall = { readonly member: string; readonly until: number };

export type ClaimOutcome =
  /** `released`: the members of `release` whose marks this write ended (they are free now). */
  | {
      kind: 'claimed';
      members: readonly string[];
      repeated: boolean;
      failedConditions: number;
      released: readonly string[];
      /** The state the claim decided on (the ledger explains the offer by it). */
      state: ClaimState;
    }
  | { kind: 'nobody'; failedConditions: number }
  /** Lost every attempt to other calls: serve the caller otherwise rather than keep them waiting. */
  | { kind: 'contended'; failedConditions: number }
  /** The waiting caller's entry changed (taken by another member, gone): this claim is moot. */
  | { kind: 'entry-changed'; failedConditions: number };

/** The members of `release` whose marks, as read, still ring for this call and are not offered again. */
export function stillRingingFor(
  callSid: string,
  release: readonly string[] | undefined,
  state: Pick<ClaimState, 'presence'>,
  offered: readonly string[] = [],
): string[] {
  return [...new Set(release ?? [])].filter((member) => !offered.includes(member) && state.presence.get(member)?.ringingCall === callSid);
}

/** The keys a claim's state is read from: the members' marks, which carry the rotation too. */
export function claimStateKeys(members: readonly string[]): Key[] {
  return [...new Set(members)].map((member) => keys.presence(member));
}

/** The claim state among items read in a batch (possibly with other items). */
export function claimStateFrom(items: readonly StoredItem[], group: string): ClaimState {
  return { presence: presenceFromItems(items), rotation: rotationFromPresence(items, group) };
}

async function readClaimState(claim: Claim): Promise<ClaimState> {
  return claimStateFrom(await batchGet(claimStateKeys([...claim.members, ...(claim.release ?? [])])), claim.group);
}

type Attempt = {
  members: readonly string[];
  repeated: boolean;
  released: readonly string[];
  state: ClaimState;
  /** The claim's id, the same for each of its attempts (the ledger's offer event is the claim's). */
  claimId: string;
};

/** What an attempt wrote: the members now ringing for the call and the previous offer's members freed; or why not. */
type AttemptOutcome =
  { kind: 'written'; marked: readonly string[]; released: readonly string[] } | { kind: 'refused'; entryChanged: boolean };

/**
 * A claim that moves a waiting caller (its entry, the REST redirect noted on the call) is one
 * transaction: all of it or nothing. Every other claim writes side by side, one conditional update
 * per item (a transaction costs twice the write units of the same writes alone): the ringing marks,
 * each only while its member is free (the rotation recorded on the same item); the end of the
 * previous offer's marks, each only while still this call's; the caller's own busy mark; the call's
 * record of the offer. A mark that could not be written leaves the claim to the members that were.
 */
async function writeAttempt(claim: Claim, attempt: Attempt): Promise<AttemptOutcome> {
  const nowMs = Date.now();
  const offerKey = attempt.repeated ? undefined : claim.rotationKey;
  const marks = attempt.members.map((member) =>
    ringingUpdate(
      { member, callSid: claim.callSid, group: claim.group, until: claim.ringingUntil, offerKey, takeOverFrom: claim.takeOverFrom },
      claim.now,
      nowMs,
    ),
  );
  const ends = attempt.released.map((member) => ringingEndUpdate(member, claim.callSid));
  const placedBy = claim.placedBy;
  const busy = placedBy === undefined ? [] : [busyUpdate(placedBy.member, claim.callSid, claim.callSid, claim.now, placedBy.until)];
  const recorded = placedBy === undefined ? attempt.members : [...attempt.members, placedBy.member];
  const offered = offeredUpdate(
    claim.callSid,
    claim.group,
    recorded,
    claim.now,
    claim.redirect === true ? nowMs : undefined,
    claim.callStart,
  );
  // The ledger's event of this attempt's offer (a repeated webhook's is the first delivery's: kept).
  const inTransaction = claim.lineEntry !== undefined || claim.redirect === true;
  const describe = (members: readonly string[]) =>
    claim.offerEvent === undefined
      ? undefined
      : offerEventUpdate(
          claim.callSid,
          { event: claim.offerEvent.describe(attempt.state, members), index: claim.offerEvent.index },
          attempt.claimId,
          inTransaction,
        );
  const event = describe(attempt.members);
  if (claim.lineEntry !== undefined || claim.redirect === true) {
    const items: TransactItem[] = [...marks, ...ends, ...busy, offered, ...(event === undefined ? [] : [event])].map((update) => ({
      Update: update,
    }));
    const entryIndex = claim.lineEntry === undefined ? -1 : items.length;
    if (claim.lineEntry !== undefined)
      items.push({
        Update: entryUpdate(claim.lineEntry, {
          // A callback's claim starts the callback (SPEC 16); a caller in the queue is offered.
          state: claim.lineEntry.state === 'callback' ? 'calling-back' : 'offered',
          offeredTo: attempt.members,
          leaving: false,
        }),
      });
    const outcome = await writeTogether(items);
    if (outcome.kind === 'written') return { kind: 'written', marked: attempt.members, released: attempt.released };
    return { kind: 'refused', entryChanged: outcome.failed.includes(entryIndex) };
  }
  const [marked, freed] = await Promise.all([
    Promise.all(marks.map((update) => writeIf({ Update: update }))),
    Promise.all(ends.map((update) => writeIf({ Update: update }))),
    ...busy.map((update) => writeIf({ Update: update })),
    writeIf({ Update: offered }),
    event === undefined ? undefined : writeIf({ Update: event }),
  ]);
  const members = attempt.members.filter((_member, index) => marked[index] === true);
  const released = attempt.released.filter((_member, index) => freed[index] === true);
  // Some marks were refused (another call took those members): the offer is the members marked.
  const taken = members.length > 0 && members.length < attempt.members.length ? describe(members) : undefined;
  if (taken !== undefined) await writeIf({ Update: taken });
  return members.length === 0 ? { kind: 'refused', entryChanged: false } : { kind: 'written', marked: members, released };
}

/**
 * A claim that wrote its offer's event in a refused side-by-side attempt and then made no offer
 * removes the event (rare: only after lost races), so the ledger never tells of an offer not made.
 */
async function forgetOffer(claim: Claim, claimId: string, failedConditions: number): Promise<number> {
  if (failedConditions > 0 && claim.offerEvent !== undefined && claim.lineEntry === undefined && claim.redirect !== true) {
    const offer: LedgerEvent = { kind: 'offered', at: 0, group: claim.group, members: [], skipped: [] };
    await writeIf({ Delete: eventDelete(claim.callSid, offer, claim.offerEvent.index, claimId) });
  }
  return failedConditions;
}

/** Claim members for a call; `known` is a state the webhook already read (saves a request). */
export async function claimMembers(claim: Claim, known?: ClaimState): Promise<ClaimOutcome> {
  let state = known ?? (await readClaimState(claim));
  let failedConditions = 0;
  const claimId = randomUUID();
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt += 1) {
    // A repeated webhook finds its offer in the rotation: the same member, charged once.
    const repeatedMember = claim.rotationKey === undefined ? undefined : state.rotation.offerKeys.get(claim.rotationKey);
    const members = repeatedMember === undefined ? [...new Set(claim.decide(state))] : [repeatedMember];
    if (members.length === 0) return { kind: 'nobody', failedConditions: await forgetOffer(claim, claimId, failedConditions) };
    const released = stillRingingFor(claim.callSid, claim.release, state, members);
    const outcome = await writeAttempt(claim, { members, repeated: repeatedMember !== undefined, released, state, claimId });
    if (outcome.kind === 'written') {
      if (outcome.marked.length < members.length) failedConditions += 1;
      return {
        kind: 'claimed',
        members: outcome.marked,
        repeated: repeatedMember !== undefined,
        failedConditions,
        released: outcome.released,
        state,
      };
    }
    failedConditions += 1;
    if (outcome.entryChanged) return { kind: 'entry-changed', failedConditions };
    if (repeatedMember !== undefined) {
      // The member of the first attempt is taken by now (they answered, or rang for another call).
      return { kind: 'claimed', members, repeated: true, failedConditions, released: [], state };
    }
    state = { ...(await readClaimState(claim)), afterLostRace: true };
  }
  logger.warn('claim lost every attempt to other calls', { callSid: claim.callSid, group: claim.group, attempts: MAX_CLAIM_ATTEMPTS });
  return { kind: 'contended', failedConditions: await forgetOffer(claim, claimId, failedConditions) };
}
