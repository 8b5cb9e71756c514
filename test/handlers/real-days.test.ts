import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Simulation } from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { redirectedUpdate } from '../../functions/store/call-store.js';
import { send } from '../../functions/store/client.js';
import { LINE_SILENCE_LIMIT_SECONDS } from '../../functions/routing/waiting-line.js';
import { testApiPort } from '../support/api-port.js';
import { inProcessTransport, parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, authToken, postVoice, put, TEST_HOST } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const SUPPORT = '+493044400001';
const LINE = '+493044400002';
const sid = (name: string): string => `CA${name.padEnd(32, '0')}`;
const QUEUE = `QU${'a'.repeat(32)}`;

const incoming = (callSid: string, to: string) =>
  postVoice({ pathAndQuery: '/voice/incoming', params: { CallSid: callSid, From: '+15550001111', To: to, CallStatus: 'ringing' } });
const lineWait = (callSid: string, queueTime: number) =>
  postVoice({
    pathAndQuery: '/voice/line-wait?g=line',
    params: { CallSid: callSid, From: '+15550001111', To: LINE, QueueSid: QUEUE, QueueTime: String(queueTime), QueuePosition: '1' },
  });
const leg = (member: string, legSid: string, parent: string, status: string, sequence: number, extra: Record<string, string> = {}) =>
  postVoice({
    pathAndQuery: `/voice/leg?m=${member}`,
    params: { CallSid: legSid, ParentCallSid: parent, CallStatus: status, SequenceNumber: String(sequence), ...extra },
  });
const lineEntries = async () => (await tableSnapshot()).filter((item) => item.pk === 'LINE#line');
const verbs = (twiml: string) => parseTwiml(twiml).map((verb) => verb.name);
const dial = (twiml: string) => parseTwiml(twiml).find((verb) => verb.name === 'Dial');

/** The numbered problems of a real day (bursts aside: test/store/claims.test.ts), through the real handlers and DynamoDB Local. */
describe('real days', () => {
  let api: FakeTwilioApi;

  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', { name: 'Anna', extension: '201', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/users/ben', { name: 'Ben', extension: '202', devices: [{ type: 'phone', number: '+491709999999' }] });
    await loadGroup('support', {
      members: ['anna', 'ben'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await loadGroup('line', {
      members: ['anna'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', announcePosition: true },
    });
    await loadNumber(SUPPORT, { group: 'support' });
    await loadNumber(LINE, { group: 'line' });
    // Twilio's REST API as the simulator plays it: it has no call in any queue, so a dequeue is refused.
    const simulation = new Simulation({
      baseUrl: `https://${TEST_HOST}`,
      authToken: authToken(),
      transport: inProcessTransport,
      devices: {},
    });
    api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: authToken() });
    await api.listen(testApiPort());
    // anna talks on another call: callers of the line group wait.
    await leg('anna', sid('annaleg'), sid('annacall'), 'in-progress', 1);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    await api.close();
  });

  it('puts a caller into the line once when Twilio sends the same incoming webhook twice at the same moment', async () => {
    const [first, second] = await Promise.all([incoming(sid('twice'), LINE), incoming(sid('twice'), LINE)]);

    expect(verbs(first.body)).toEqual(['Enqueue']);
    expect(verbs(second.body)).toEqual(['Enqueue']);
    expect((await lineEntries()).map((entry) => entry.callSid)).toEqual([sid('twice')]);
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('twice'), CallStatus: 'completed', CallDuration: '5' } });
    expect(await lineEntries()).toEqual([]);
  });

  it('removes a caller not heard from for longer than the hold music allows, so the next caller is number 1', async () => {
    await incoming(sid('gone'), LINE);
    await incoming(sid('next'), LINE);
    expect(parseTwiml((await lineWait(sid('next'), 5)).body)[0]?.text).toBe('You are number 2 in line. Please hold.');

    // The first caller's status callback is lost: nothing is heard from them again.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (LINE_SILENCE_LIMIT_SECONDS + 5) * 1000);
    const hold = await lineWait(sid('next'), 100);

    expect((await lineEntries()).map((entry) => entry.callSid)).toEqual([sid('next')]);
    expect(parseTwiml(hold.body)[0]?.text).toBe('You are number 1 in line. Please hold.');
    vi.useRealTimers();
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('next'), CallStatus: 'completed', CallDuration: '5' } });
  });

  it('removes a caller Twilio says is not in the queue when a member becomes free, and frees the member again', async () => {
    await incoming(sid('ghost'), LINE);
    await lineWait(sid('ghost'), 5);

    // anna's call ends: she is offered the longest-waiting caller, whom Twilio does not have.
    await leg('anna', sid('annaleg'), sid('annacall'), 'completed', 2, { CallDuration: '60' });

    expect(await lineEntries()).toEqual([]);
    const anna = (await tableSnapshot()).find((item) => item.pk === 'PRESENCE#anna');
    expect(anna?.ringingCall).toBeUndefined();
    expect(api.requests.filter((request) => request.path.includes('/Members/')).length).toBe(1);
    await leg('anna', sid('annaleg2'), sid('annacall2'), 'in-progress', 1);
  });

  it('sends a caller of a group without maxWaitSeconds on after the default of 1800 seconds', async () => {
    await incoming(sid('patient'), LINE);

    const early = await lineWait(sid('patient'), 1799);
    const late = await lineWait(sid('patient'), 1800);

    expect(verbs(early.body)).toContain('Play');
    expect(verbs(late.body)).toEqual(['Leave']);
    expect((await lineEntries()).find((entry) => entry.callSid === sid('patient'))?.state).toBe('timed-out');
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('patient'), CallStatus: 'completed', CallDuration: '5' } });
  });

  it('lets an administrator see when each waiting caller was last heard from and remove one by hand', async () => {
    await incoming(sid('stuck'), LINE);

    const live = await admin('GET', '/groups/line/live');
    const removed = await admin('DELETE', `/groups/line/line/${sid('stuck')}`);
    const again = await admin('DELETE', `/groups/line/line/${sid('stuck')}`);

    expect(
      (live.body.waitingCallers as { callSid: string; lastHeardAt: string }[]).find((caller) => caller.callSid === sid('stuck'))
        ?.lastHeardAt,
    ).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(removed.statusCode).toBe(204);
    expect(again.statusCode).toBe(404);
    expect(await lineEntries()).toEqual([]);
    expect((await admin('DELETE', '/groups/line/line/not-a-call')).statusCode).toBe(400);
  });

  it('changes nothing for the canceled <Dial> action of an offer the project itself redirected', async () => {
    const answer = await incoming(sid('moved'), SUPPORT);
    const action = dial(answer.body)?.attrs.action ?? '';
    await send(new UpdateCommand(redirectedUpdate(sid('moved'), Date.now())));
    const before = await tableSnapshot();

    const canceled = await postVoice({
      pathAndQuery: `/voice/${action}`,
      params: { CallSid: sid('moved'), From: '+15550001111', To: SUPPORT, CallStatus: 'in-progress', DialCallStatus: 'canceled' },
    });

    expect(verbs(canceled.body)).toEqual([]);
    expect(await tableSnapshot()).toEqual(before);
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('moved'), CallStatus: 'completed', CallDuration: '5' } });
  });

  it('still treats a canceled offer as not answered when the project redirected the call before that offer began', async () => {
    await send(new UpdateCommand(redirectedUpdate(sid('earlier'), Date.now() - 60_000)));
    // anna is free again: the first offer rings her, the next one ben's phone.
    await leg('anna', sid('annaleg2'), sid('annacall2'), 'completed', 2, { CallDuration: '60' });
    const answer = await incoming(sid('earlier'), SUPPORT);
    const action = dial(answer.body)?.attrs.action ?? '';
    expect(dial(answer.body)?.children.map((noun) => noun.text)).toEqual(['anna']);

    const canceled = await postVoice({
      pathAndQuery: `/voice/${action}`,
      params: { CallSid: sid('earlier'), From: '+15550001111', To: SUPPORT, CallStatus: 'in-progress', DialCallStatus: 'canceled' },
    });

    expect(dial(canceled.body)?.children.map((noun) => noun.text)).toEqual(['+491709999999']);
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('earlier'), CallStatus: 'completed', CallDuration: '5' } });
  });

  it("logs a call as answered when the leg's completed callback arrives before its answered callback", async () => {
    await incoming(sid('reorder'), SUPPORT);

    await leg('anna', sid('reorderleg'), sid('reorder'), 'completed', 2, { CallDuration: '45' });
    await leg('anna', sid('reorderleg'), sid('reorder'), 'in-progress', 1);
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('reorder'), CallStatus: 'completed', CallDuration: '60' } });

    const logged = (await tableSnapshot()).find(
      (item) => String(item.pk).startsWith('CALLLOG#support#') && item.callSid === sid('reorder'),
    );
    expect(logged).toMatchObject({ outcome: 'answered', answeredBy: 'anna' });
    expect((await tableSnapshot()).find((item) => item.pk === 'PRESENCE#anna')?.busyCall).not.toBe(sid('reorder'));
  });

  it('logs a call as answered from the <Dial> action alone when both leg callbacks are lost', async () => {
    const answer = await incoming(sid('nolegs'), SUPPORT);
    const action = dial(answer.body)?.attrs.action ?? '';
    expect(dial(answer.body)?.children.map((noun) => noun.text)).toEqual(['anna']);

    await postVoice({
      pathAndQuery: `/voice/${action}`,
      params: { CallSid: sid('nolegs'), CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '30' },
    });
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('nolegs'), CallStatus: 'completed', CallDuration: '40' } });

    const logged = (await tableSnapshot()).find((item) => String(item.pk).startsWith('CALLLOG#support#') && item.callSid === sid('nolegs'));
    expect(logged).toMatchObject({ outcome: 'answered', answeredBy: 'anna' });
  });

  it('takes a pickup back when the caller cannot be moved: the call is not answered by the picker, who is free again', async () => {
    await put('/users/cora', { name: 'Cora', devices: [{ type: 'client', identity: 'cora' }] });
    await loadGroup('pickers', {
      members: ['ben', 'cora'],
      distribution: 'in-order',
      rings: 2,
      pickup: true,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await loadNumber('+493044400003', { group: 'pickers' });
    const ringing = await incoming(sid('unmovable'), '+493044400003');
    expect(dial(ringing.body)?.children.map((noun) => noun.text)).toEqual(['+491709999999']);

    // Twilio's REST API does not know the call (the fake API has no calls): the redirect fails.
    const pickup = await postVoice({ pathAndQuery: '/voice/outbound', params: { CallSid: sid('picker'), From: 'client:cora', To: '*11' } });

    expect(parseTwiml(pickup.body)[0]?.text).toMatch(/^There is no call to pick up/);
    const table = await tableSnapshot();
    const call = table.find((item) => item.pk === `CALL#${sid('unmovable')}`);
    expect(call?.answeredBy).toBeUndefined();
    expect(call?.redirectedAtMs).toBeUndefined();
    expect(table.find((item) => item.pk === `PICKUP#${sid('unmovable')}`)).toBeUndefined();
    expect(table.find((item) => item.pk === 'PRESENCE#cora')?.busyCall).toBeUndefined();
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('unmovable'), CallStatus: 'completed', CallDuration: '5' } });
  });

  it("gives an internal call from a softphone to a member's phone one of the company's numbers as caller ID", async () => {
    const answer = await postVoice({
      pathAndQuery: '/voice/outbound',
      params: { CallSid: sid('internal'), From: 'client:anna', To: '202' },
    });

    const offer = dial(answer.body);
    expect(offer?.children.map((noun) => noun.text)).toEqual(['+491709999999']);
    expect([SUPPORT, LINE]).toContain(offer?.attrs.callerId);
  });
});
