import { beforeAll, describe, expect, it } from 'vitest';
import { startInGroup } from '../../functions/routing/call-context.js';
import { nextOffer, type Rotation } from '../../functions/routing/distribution.js';
import { readLedger } from '../../functions/store/ledger-store.js';
import { claimMembers, MAX_CLAIM_ATTEMPTS, type Claim, type ClaimState, type OfferEvent } from '../../functions/store/claims.js';
import { batchGet } from '../../functions/store/configuration.js';
import { keys } from '../../functions/store/keys.js';
import { joinLine, changeEntry, newEntry, placeOf } from '../../functions/store/line-store.js';
import { clearRinging } from '../../functions/store/presence-store.js';
import { rotationFromPresence } from '../../functions/store/rotation-store.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { postVoice, put } from '../support/invoke.js';
import { byId, group, member } from '../support/members.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const NUMBER = '+493011111111';
const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5'];
const NOW = Math.floor(Date.now() / 1000);
const callSid = (index: number): string => `CA${String(index).padStart(32, '0')}`;

function incomingCall(sid: string): Promise<{ statusCode: number; body: string }> {
  return postVoice({
    pathAndQuery: '/voice/incoming',
    params: { CallSid: sid, From: '+15550001111', To: NUMBER, CallStatus: 'ringing', AccountSid: 'AC0', Direction: 'inbound' },
  });
}

/** What a <Dial> in the answer rings (every noun), and its action; no <Dial>, no identities. */
function offered(twiml: string): { identities: string[]; action: string | undefined } {
  const dial = parseTwiml(twiml).find((verb) => verb.name === 'Dial');
  return { identities: dial?.children.map((noun) => noun.text) ?? [], action: dial?.attrs.action };
}

/** The group's evenly rotation, as the claims read it (on the members' PRESENCE items). */
async function rotationOf(group: string): Promise<Rotation> {
  return rotationFromPresence(await batchGet(MEMBERS.map((id) => keys.presence(id))), group);
}

/** evenly over the free members, as the routing core decides it. */
function evenlyClaim(groupId: string, sid: string): Claim {
  const candidates = byId(MEMBERS.map((id) => member(id)));
  return {
    callSid: sid,
    group: groupId,
    now: NOW,
    ringingUntil: NOW + 80,
    members: MEMBERS,
    rotationKey: `${sid}:${groupId}:0`,
    decide: (state: ClaimState) => {
      const decision = nextOffer(
        group('burst', { members: MEMBERS, distribution: 'evenly' }),
        candidates,
        startInGroup('burst'),
        state.rotation,
        { byMember: state.presence, now: NOW, callSid: sid },
        { afterLostRace: state.afterLostRace === true },
      );
      return decision.kind === 'offer' ? decision.plan.members.map((chosen) => chosen.id) : [];
    },
  };
}

/** The one claim primitive against DynamoDB Local: marks, rotation and line entry in one conditional write. */
describe('claiming members', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of MEMBERS) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('hotline', { members: MEMBERS, distribution: 'evenly', whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER, { group: 'hotline' });
  });

  it('gives 50 simultaneous claims into 5 free members one member each, re-reading the marks after a lost race', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_unused, index) => claimMembers(evenlyClaim('burst', callSid(100 + index)))),
    );

    const claimed = outcomes.flatMap((outcome) => (outcome.kind === 'claimed' ? outcome.members : []));
    expect([...claimed].sort()).toEqual(MEMBERS);
    expect(outcomes.filter((outcome) => outcome.kind === 'nobody' || outcome.kind === 'contended')).toHaveLength(45);
    // A loser learns about every taken member at once, not one failed write at a time.
    const failed = outcomes.reduce((sum, outcome) => sum + outcome.failedConditions, 0);
    expect(failed / outcomes.length).toBeLessThanOrEqual(2);
    expect(Math.max(...outcomes.map((outcome) => outcome.failedConditions))).toBeLessThanOrEqual(MAX_CLAIM_ATTEMPTS);
    expect([...(await rotationOf('burst')).lastOffer.keys()].sort()).toEqual(MEMBERS);
    // Those offers end unanswered: the members are free for the tests that follow.
    await Promise.all(
      outcomes.map((outcome, index) =>
        outcome.kind === 'claimed' ? Promise.all(outcome.members.map((id) => clearRinging(id, callSid(100 + index)))) : undefined,
      ),
    );
  });

  it('gives 50 simultaneous incoming calls into 5 available members one offer each: ringing members are not offered again', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_unused, index) => incomingCall(callSid(index))));

    const identities = answers.flatMap((answer) => offered(answer.body).identities);
    expect(
      answers.filter((answer) => answer.statusCode !== 200).map((answer) => ({ statusCode: answer.statusCode, body: answer.body })),
    ).toEqual([]);
    expect(identities.sort()).toEqual(MEMBERS);
    expect(answers.filter((answer) => answer.body.includes('<Hangup/>'))).toHaveLength(45);
    expect([...(await rotationOf('hotline')).lastOffer.keys()].sort()).toEqual(MEMBERS);
    // End those offers unanswered so the members are free for the tests that follow.
    for (const [index, answer] of answers.entries()) {
      const { action } = offered(answer.body);
      if (action === undefined) continue;
      await postVoice({
        pathAndQuery: `/voice/${action}`,
        params: { CallSid: callSid(index), From: '+15550001111', To: NUMBER, CallStatus: 'completed', DialCallStatus: 'no-answer' },
      });
    }
  });

  it('answers a repeated webhook with the same member and records the offer once', async () => {
    const first = await incomingCall('CArepeat000000000000000000000000');
    const rotationAfterFirst = await rotationOf('hotline');
    const tableAfterFirst = await tableSnapshot();

    const repeated = await incomingCall('CArepeat000000000000000000000000');

    expect(offered(repeated.body).identities).toEqual(offered(first.body).identities);
    expect(await rotationOf('hotline')).toEqual(rotationAfterFirst);
    const marks = (items: Record<string, unknown>[]) =>
      items
        .filter((item) => String(item.pk).startsWith('PRESENCE#'))
        .map((item) => [item.pk, item.ringingCall ?? null, item.busyCall ?? null]);
    expect(marks(await tableSnapshot())).toEqual(marks(tableAfterFirst));
    await postVoice({
      pathAndQuery: `/voice/${offered(first.body).action ?? ''}`,
      params: {
        CallSid: 'CArepeat000000000000000000000000',
        From: '+15550001111',
        To: NUMBER,
        CallStatus: 'completed',
        DialCallStatus: 'no-answer',
      },
    });
  });

  it('decides again on fresh marks when the state it was given is stale', async () => {
    // m1 rings for another call, but the caller's snapshot says everyone is free.
    const blocker = await claimMembers({ ...evenlyClaim('stale', 'CAblocker0000000000000000000000'), decide: () => ['m1'] });
    expect(blocker.kind).toBe('claimed');
    const staleState: ClaimState = { presence: new Map(), rotation: rotationFromPresence([], 'stale') };

    const outcome = await claimMembers(
      {
        ...evenlyClaim('stale', 'CAlate000000000000000000000000000'),
        decide: (state) => (state.presence.get('m1')?.ringingCall === undefined ? ['m1'] : ['m2']),
      },
      staleState,
    );

    expect(outcome).toMatchObject({ kind: 'claimed', members: ['m2'], repeated: false, failedConditions: 1, released: [] });
    // The state the winning attempt decided on: read again after the lost race.
    expect(outcome.kind === 'claimed' && outcome.state.afterLostRace).toBe(true);
  });

  /** The ledger's offer event a claim writes with its marks (SPEC 17): the members of that attempt. */
  const describedOffer = (group: string): OfferEvent => ({
    index: '0',
    describe: (_state, chosen) => ({
      kind: 'offered',
      at: Date.now(),
      group,
      members: chosen.map((member) => ({ member, reason: 'first-in-order' as const })),
      skipped: [],
    }),
  });

  it("keeps the offer the claim made in the ledger, not a lost attempt's, and none when it made no offer", async () => {
    // A day later than the other tests: their marks have expired.
    const later = (groupId: string, sid: string): Claim => ({
      ...evenlyClaim(groupId, sid),
      now: NOW + 86_400,
      ringingUntil: NOW + 86_480,
    });
    const blocker = await claimMembers({ ...later('ledger', 'CAblocker1000000000000000000000'), decide: () => ['m1'] });
    expect(blocker.kind).toBe('claimed');
    const stale: ClaimState = { presence: new Map(), rotation: rotationFromPresence([], 'ledger') };
    const made = 'CAledger0000000000000000000000000';
    await claimMembers(
      {
        ...later('ledger', made),
        decide: (state) => (state.presence.get('m1')?.ringingCall === undefined ? ['m1'] : ['m2']),
        offerEvent: describedOffer('ledger'),
      },
      stale,
    );
    const [offer] = await readLedger(made);
    expect(offer).toMatchObject({ kind: 'offered', group: 'ledger', members: [{ member: 'm2' }] });

    // Lost the race for m1, and nobody else: the attempt's event is taken back.
    const none = 'CAledgernone000000000000000000000';
    const outcome = await claimMembers(
      {
        ...later('ledger', none),
        decide: (state) => (state.presence.get('m1')?.ringingCall === undefined ? ['m1'] : []),
        offerEvent: describedOffer('ledger'),
      },
      stale,
    );
    expect(outcome.kind).toBe('nobody');
    expect(await readLedger(none)).toEqual([]);
  });

  it('tells only the members whose marks a ring-all claim took, when another call took one of them', async () => {
    const later = (groupId: string, sid: string): Claim => ({
      ...evenlyClaim(groupId, sid),
      now: NOW + 2 * 86_400,
      ringingUntil: NOW + 2 * 86_480,
    });
    await claimMembers({ ...later('ringall', 'CAblocker2000000000000000000000'), rotationKey: undefined, decide: () => ['m3'] });
    const sid = 'CAringall000000000000000000000000';
    // The state read says m3 is free: the claim asks for m3 and m4, and gets m4 only.
    const outcome = await claimMembers(
      { ...later('ringall', sid), rotationKey: undefined, decide: () => ['m3', 'm4'], offerEvent: describedOffer('ringall') },
      { presence: new Map(), rotation: rotationFromPresence([], 'ringall') },
    );
    expect(outcome).toMatchObject({ kind: 'claimed', members: ['m4'] });
    const [offer] = await readLedger(sid);
    expect(offer).toMatchObject({ kind: 'offered', members: [{ member: 'm4' }] });
  });

  it('writes nothing when the routing core finds nobody', async () => {
    const before = await tableSnapshot();

    const outcome = await claimMembers({ ...evenlyClaim('hotline', 'CAnobody00000000000000000000000'), decide: () => [] });

    expect(outcome).toEqual({ kind: 'nobody', failedConditions: 0 });
    expect(await tableSnapshot()).toEqual(before);
  });

  it('gives up on a waiting caller whose entry changed since it was read, writing no mark', async () => {
    const callSid = 'CAwaiting0000000000000000000000';
    const { entry } = await joinLine(
      newEntry('line-claims', placeOf(NOW * 1000, callSid), callSid, '+1555', 'https://music.example/hold.mp3', NOW),
      NOW,
    );
    await changeEntry(entry, { state: 'waiting' });
    const before = await tableSnapshot();

    const outcome = await claimMembers({
      callSid: entry.callSid,
      group: 'line-claims',
      now: NOW,
      ringingUntil: NOW + 80,
      members: ['m5'],
      lineEntry: entry,
      decide: () => ['m5'],
    });

    expect(outcome).toEqual({ kind: 'entry-changed', failedConditions: 1 });
    expect(await tableSnapshot()).toEqual(before);
  });
});
