import { beforeAll, describe, expect, it } from 'vitest';
import { chooseEvenly } from '../../functions/routing/distribution.js';
import { getRotation, recordEvenlyOffer } from '../../functions/store/rotation-store.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { postVoice, put } from '../support/invoke.js';
import { member } from '../support/members.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const NUMBER = '+493011111111';
const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5'];

function incomingCall(callSid: string): Promise<{ statusCode: number; body: string }> {
  return postVoice({ pathAndQuery: '/voice/incoming', params: { CallSid: callSid, From: '+15550001111', To: NUMBER, CallStatus: 'ringing', AccountSid: 'AC0', Direction: 'inbound' } });
}

function offered(twiml: string): { identity: string | undefined; action: string | undefined } {
  const dial = parseTwiml(twiml).find((verb) => verb.name === 'Dial');
  return { identity: dial?.children[0]?.text, action: dial?.attrs.action };
}

const callSid = (index: number): string => `CA${String(index).padStart(32, '0')}`;

/** The evenly rotation and the ringing marks against DynamoDB Local: conditional writes, retried on conflict. */
describe('evenly rotation', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of MEMBERS) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('hotline', { members: MEMBERS, distribution: 'evenly', whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER, { group: 'hotline' });
  });

  it('records 50 simultaneous offers in one group of 5 members as exactly 10 each', async () => {
    const candidates = MEMBERS.map((id) => member(id));

    const recorded = await Promise.all(
      Array.from({ length: 50 }, (_unused, index) => recordEvenlyOffer('rotation-only', `${callSid(index)}:rotation-only:0`, (rotation) => chooseEvenly(candidates, rotation)?.id)),
    );

    const counts = new Map<string, number>();
    for (const offer of recorded) counts.set(offer.member ?? 'none', (counts.get(offer.member ?? 'none') ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ m1: 10, m2: 10, m3: 10, m4: 10, m5: 10 });
    expect(Math.max(...(await getRotation('rotation-only')).lastOffer.values())).toBe(50);
  });

  it('gives 50 simultaneous incoming calls into 5 available members one offer each: ringing members are not offered again', async () => {
    const before = await getRotation('hotline');

    const answers = await Promise.all(Array.from({ length: 50 }, (_unused, index) => incomingCall(callSid(index))));

    const identities = answers.map((answer) => offered(answer.body).identity).filter((identity) => identity !== undefined);
    expect(answers.every((answer) => answer.statusCode === 200)).toBe(true);
    expect(identities.sort()).toEqual(MEMBERS);
    const after = await getRotation('hotline');
    expect(MEMBERS.map((id) => (after.lastOffer.get(id) ?? 0) - (before.lastOffer.get(id) ?? 0)).every((delta) => delta > 0)).toBe(true);
    expect(Math.max(...after.lastOffer.values())).toBe(Math.max(0, ...before.lastOffer.values()) + 5);
    // End those offers unanswered so the members are free for the tests that follow.
    for (const answer of answers) {
      const { action } = offered(answer.body);
      if (action === undefined) continue;
      const index = answers.indexOf(answer);
      await postVoice({ pathAndQuery: `/voice/${action}`, params: { CallSid: callSid(index), From: '+15550001111', To: NUMBER, CallStatus: 'completed', DialCallStatus: 'canceled' } });
    }
  });

  it('answers a repeated webhook with the same member and records the offer once', async () => {
    const first = await incomingCall('CArepeat000000000000000000000000');
    const rotationAfterFirst = await getRotation('hotline');
    const tableAfterFirst = await tableSnapshot();

    const repeated = await incomingCall('CArepeat000000000000000000000000');

    expect(offered(repeated.body).identity).toBe(offered(first.body).identity);
    expect(await getRotation('hotline')).toEqual(rotationAfterFirst);
    // The same member rings for the same call; nobody else is marked.
    const owners = (items: Record<string, unknown>[]) => items.filter((item) => item.pk === 'PRESENCE').map((item) => [item.sk, item.ringingCall ?? null, item.busyCall ?? null]);
    expect(owners(await tableSnapshot())).toEqual(owners(tableAfterFirst));
  });

  it('records nothing when no member is eligible', async () => {
    const before = await getRotation('hotline');

    const recorded = await recordEvenlyOffer('hotline', 'CAnobody:hotline:0', () => undefined);

    expect(recorded).toEqual({ member: undefined });
    expect(await getRotation('hotline')).toEqual(before);
  });
});
