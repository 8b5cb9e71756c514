import { beforeAll, describe, expect, it } from 'vitest';
import { parseTwiml } from '../support/call-player.js';
import { postVoice } from '../support/invoke.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';
import { getRotation, recordEvenlyOffer } from '../../functions/store/rotation-store.js';

const NUMBER = '+493011111111';
const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5'];

function incomingCall(callSid: string): Promise<{ statusCode: number; body: string }> {
  return postVoice({ pathAndQuery: '/voice/incoming', params: { CallSid: callSid, From: '+15550001111', To: NUMBER, CallStatus: 'ringing', AccountSid: 'AC0', Direction: 'inbound' } });
}

function offeredIdentity(twiml: string): string | undefined {
  return parseTwiml(twiml).find((verb) => verb.name === 'Dial')?.children[0]?.text;
}

/** The evenly rotation against DynamoDB Local: one conditional write per offer, retried on conflict. */
describe('evenly rotation', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of MEMBERS) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('hotline', { members: MEMBERS, distribution: 'evenly' });
    await loadNumber(NUMBER, { group: 'hotline' });
  });

  it('gives 50 simultaneous calls into 5 available members exactly 10 offers each', async () => {
    const before = await getRotation('hotline');

    const answers = await Promise.all(Array.from({ length: 50 }, (_unused, index) => incomingCall(`CA${String(index).padStart(32, '0')}`)));

    const counts = new Map<string, number>();
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200);
      const identity = offeredIdentity(answer.body) ?? 'none';
      counts.set(identity, (counts.get(identity) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ m1: 10, m2: 10, m3: 10, m4: 10, m5: 10 });
    const after = await getRotation('hotline');
    const offersRecorded = MEMBERS.map((id) => (after.lastOffer.get(id) ?? 0) - (before.lastOffer.get(id) ?? 0));
    expect(offersRecorded.every((delta) => delta > 0)).toBe(true);
    expect(Math.max(...after.lastOffer.values())).toBe(Math.max(0, ...before.lastOffer.values()) + 50);
  });

  it('answers a repeated webhook with the same member and records the offer once', async () => {
    const first = await incomingCall('CArepeat000000000000000000000000');
    const rotationAfterFirst = await getRotation('hotline');

    const repeated = await incomingCall('CArepeat000000000000000000000000');

    expect(offeredIdentity(repeated.body)).toBe(offeredIdentity(first.body));
    expect(await getRotation('hotline')).toEqual(rotationAfterFirst);
  });

  it('records nothing when no member is eligible', async () => {
    const before = await getRotation('hotline');

    const recorded = await recordEvenlyOffer('hotline', 'CAnobody:hotline:0', () => undefined);

    expect(recorded).toEqual({ member: undefined });
    expect(await getRotation('hotline')).toEqual(before);
  });

  it('moves a member who did not answer to the end of the rotation', async () => {
    const before = await getRotation('hotline');
    const due = MEMBERS.slice().sort((a, b) => (before.lastOffer.get(a) ?? -1) - (before.lastOffer.get(b) ?? -1));

    const answer = await incomingCall('CAnoanswer00000000000000000000000');
    const offered = offeredIdentity(answer.body);
    const after = await getRotation('hotline');

    expect(offered).toBe(due[0]);
    expect(after.lastOffer.get(offered ?? '')).toBe(Math.max(...after.lastOffer.values()));
  });
});
