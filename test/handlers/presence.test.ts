import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUSY_MARGIN_SECONDS } from '../../functions/voice/leg.js';
import { MAX_CALL_SECONDS } from '../../functions/twilio/vocabulary.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, postVoice, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const NUMBER = '+493033333333';
const PARENT = `CA${'1'.repeat(32)}`;
const LEG = `CA${'2'.repeat(32)}`;

function legCallback(status: string, sequence: number, leg = LEG, parent = PARENT, member = 'anna') {
  return postVoice({
    pathAndQuery: `/voice/leg?m=${member}`,
    params: {
      CallSid: leg,
      ParentCallSid: parent,
      CallStatus: status,
      SequenceNumber: String(sequence),
      Direction: 'outbound-dial',
      From: '+15550001111',
      To: 'client:anna',
      ...(status === 'completed' ? { CallDuration: '30' } : {}),
    },
  });
}

/** anna's presence item with no busy or ringing mark. */
const FREE_ANNA = { pk: 'PRESENCE#anna', sk: 'PRESENCE' };

async function presenceOf(member: string): Promise<Record<string, unknown> | undefined> {
  return (await tableSnapshot()).find((item) => item.pk === `PRESENCE#${member}`);
}

/** The caller hangs up while the offer rings: its members stop ringing. */
async function endOffer(callSid: string, member: string): Promise<void> {
  await postVoice({
    pathAndQuery: `/voice/dial-result?g=support&o=${member}&v=support&r=${member}`,
    params: { CallSid: callSid, CallStatus: 'completed', DialCallStatus: 'canceled' },
  });
}

/** A new call's first offer: every device its <Dial> rings. */
async function firstOffer(callSid: string): Promise<string[]> {
  const answer = await postVoice({
    pathAndQuery: '/voice/incoming',
    params: { CallSid: callSid, From: '+15550001111', To: NUMBER, CallStatus: 'ringing' },
  });
  return (
    parseTwiml(answer.body)
      .find((verb) => verb.name === 'Dial')
      ?.children.map((noun) => noun.text) ?? []
  );
}

/*
 * Every test starts with anna and ben free (no busy or ringing mark) and leaves them free: a test
 * that makes a member busy or ringing ends that call before it ends, and sets up itself whatever
 * else it needs.
 */
beforeAll(async () => {
  await createTestTable();
  await put('/users/anna', { name: 'Anna', devices: [{ type: 'client', identity: 'anna' }] });
  await put('/users/ben', { name: 'Ben', devices: [{ type: 'client', identity: 'ben' }] });
  await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'hangup' } });
  await loadNumber(NUMBER, { group: 'support' });
});

/** Busy and ringing marks and the call's life, through the real handlers, against DynamoDB Local. */
describe('status callbacks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes a member busy from the answer to the end of the leg', async () => {
    await legCallback('in-progress', 1);
    expect(await presenceOf('anna')).toMatchObject({ busyCall: PARENT, busyLeg: LEG });
    expect(await firstOffer(`CA${'3'.repeat(32)}`)).toEqual(['ben']);
    await endOffer(`CA${'3'.repeat(32)}`, 'ben');

    await legCallback('completed', 2);

    expect(await presenceOf('anna')).toEqual(FREE_ANNA);
  });

  it('changes nothing when a callback is repeated', async () => {
    const leg = `CA${'4'.repeat(32)}`;
    await legCallback('in-progress', 1, leg);
    const afterAnswer = await tableSnapshot();

    await legCallback('in-progress', 1, leg);
    expect(await tableSnapshot()).toEqual(afterAnswer);

    await legCallback('completed', 2, leg);
    const afterEnd = await tableSnapshot();
    await legCallback('completed', 2, leg);
    await legCallback('in-progress', 1, leg);
    expect(await tableSnapshot()).toEqual(afterEnd);
  });

  it('changes nothing when callbacks arrive out of order: an answer after the end does not make the member busy', async () => {
    const leg = `CA${'5'.repeat(32)}`;

    await legCallback('completed', 2, leg);
    await legCallback('in-progress', 1, leg);

    // anna has no presence item when no call ever made her busy, else one with nothing but its key.
    expect((await presenceOf('anna')) ?? FREE_ANNA).toEqual(FREE_ANNA);
    expect((await tableSnapshot()).find((item) => item.pk === `LEG#${leg}`)).toMatchObject({ lastSequence: 2, status: 'completed' });
  });

  it("does not let the end of another leg clear a member's busy mark", async () => {
    const current = `CA${'6'.repeat(32)}`;
    await legCallback('in-progress', 1, current);

    await legCallback('completed', 1, `CA${'7'.repeat(32)}`);

    expect(await presenceOf('anna')).toMatchObject({ busyLeg: current });
    await legCallback('completed', 2, current);
  });

  it('makes a member whose completed callback never arrives eligible again after the expiry', async () => {
    const lost = `CA${'8'.repeat(32)}`;
    await legCallback('in-progress', 1, lost);
    expect(await firstOffer(`CA${'9'.repeat(32)}`)).toEqual(['ben']);
    await endOffer(`CA${'9'.repeat(32)}`, 'ben');

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS + 5) * 1000);

    expect(await firstOffer(`CA${'a'.repeat(32)}`)).toEqual(['anna']);
    await endOffer(`CA${'a'.repeat(32)}`, 'anna');
    // The completed callback arrives after all: anna is free for the tests that follow.
    vi.useRealTimers();
    await legCallback('completed', 2, lost);
    expect(await presenceOf('anna')).toEqual(FREE_ANNA);
  });

  it('records the outcome once when the call status callback is repeated, and clears what the call still holds', async () => {
    const call = `CA${'b'.repeat(32)}`;
    expect(await firstOffer(call)).toEqual(['anna']);
    const status = {
      CallSid: call,
      CallStatus: 'completed',
      CallDuration: '14',
      From: '+15550001111',
      To: NUMBER,
      Timestamp: new Date().toUTCString(),
    };

    await postVoice({ pathAndQuery: '/voice/status', params: status });
    const afterFirst = await tableSnapshot();
    await postVoice({ pathAndQuery: '/voice/status', params: status });

    expect(await tableSnapshot()).toEqual(afterFirst);
    const logged = afterFirst.filter((item) => String(item.pk).startsWith('CALLLOG#support#') && item.callSid === call);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ outcome: 'missed', durationSeconds: 14, group: 'support' });
    expect(afterFirst.filter((item) => String(item.pk).startsWith('PRESENCE#') && item.ringingCall === call)).toEqual([]);
  });
});

describe('GET /calls and GET /groups/{id}/live', () => {
  it('lists outcomes newest first, filtered by group and time', async () => {
    const answered = `CA${'c'.repeat(32)}`;
    const answeredLeg = `CA${'d'.repeat(32)}`;
    expect(await firstOffer(answered)).toEqual(['anna']);
    await legCallback('in-progress', 1, answeredLeg, answered, 'anna');
    const end = new Date(Date.now() + 60_000);
    await postVoice({
      pathAndQuery: '/voice/status',
      params: { CallSid: answered, CallStatus: 'completed', CallDuration: '90', Timestamp: end.toUTCString() },
    });

    const all = (await admin('GET', '/calls')).body.calls as { callSid: string; outcome: string; answeredBy?: string; endedAt: string }[];
    const inWindow = (await admin('GET', `/calls?group=support&since=${new Date(end.getTime() - 1000).toISOString()}`)).body.calls as {
      callSid: string;
    }[];
    const otherGroup = (await admin('GET', '/calls?group=sales')).body.calls as unknown[];

    expect(all[0]).toMatchObject({ callSid: answered, outcome: 'answered', answeredBy: 'anna' });
    expect(all.map((call) => call.endedAt)).toEqual([...all.map((call) => call.endedAt)].sort().reverse());
    expect(inWindow.map((call) => call.callSid)).toEqual([answered]);
    expect(otherGroup).toEqual([]);
    expect((await admin('GET', '/calls?since=yesterday')).statusCode).toBe(400);
    await legCallback('completed', 2, answeredLeg, answered, 'anna');
  });

  it("shows each member's presence, the ringing calls and the waiting callers", async () => {
    // anna is on a call of her own; a new call rings ben.
    const talking = `CA${'f'.repeat(32)}`;
    const talkingLeg = `CA${'0f'.repeat(16)}`;
    await legCallback('in-progress', 1, talkingLeg, talking, 'anna');
    const ringingCall = `CA${'e'.repeat(32)}`;
    expect(await firstOffer(ringingCall)).toEqual(['ben']);

    const live = await admin('GET', '/groups/support/live');

    expect(live.statusCode).toBe(200);
    expect(live.body).toMatchObject({
      group: 'support',
      distribution: 'in-order',
      rotation: null,
      members: [
        { id: 'anna', presence: 'busy', call: talking },
        { id: 'ben', presence: 'ringing', call: ringingCall },
      ],
      ringingCalls: [{ callSid: ringingCall, members: ['ben'] }],
      waitingCallers: [],
    });
    expect((await admin('GET', '/groups/nobody/live')).statusCode).toBe(404);
    await endOffer(ringingCall, 'ben');
    await legCallback('completed', 2, talkingLeg, talking, 'anna');
  });
});
