import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testApiPort } from '../support/api-port.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { postVoice, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const NUMBER = '+493044500001';
const QUEUE = `QU${'b'.repeat(32)}`;
const sid = (name: string): string => `CA${name.padEnd(32, '0')}`;

const leg = (member: string, legSid: string, parent: string, status: string, sequence: number, extra: Record<string, string> = {}) =>
  postVoice({
    pathAndQuery: `/voice/leg?m=${member}`,
    params: { CallSid: legSid, ParentCallSid: parent, CallStatus: status, SequenceNumber: String(sequence), ...extra },
  });
const lineWait = (callSid: string, queueTime: number) =>
  postVoice({
    pathAndQuery: '/voice/line-wait?g=talk',
    params: { CallSid: callSid, From: '+15550001111', To: NUMBER, QueueSid: QUEUE, QueueTime: String(queueTime) },
  });
const entries = async () => (await tableSnapshot()).filter((item) => item.pk === 'LINE#talk');
const verbs = (twiml: string) => parseTwiml(twiml).map((verb) => verb.name);

/**
 * Races of the waiting line through the real handlers and DynamoDB Local. Twilio's REST API is a
 * small server of this file's own that answers a dequeue with 404 (the caller is not in the queue),
 * after a pause in which the caller's own hold-music request can run.
 */
describe('waiting-line races', () => {
  let rest: Server;
  let duringDequeue: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await createTestTable();
    await put('/users/dave', { name: 'Dave', devices: [{ type: 'client', identity: 'dave' }] });
    await loadGroup('talk', {
      members: ['dave'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 3600 },
    });
    await loadNumber(NUMBER, { group: 'talk' });
    rest = createServer((request, response) => {
      void (async () => {
        await duringDequeue?.();
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 20404, message: `Call is not waiting in queue ${QUEUE}`, status: 404 }));
      })();
      request.resume();
    });
    await new Promise<void>((resolve) => rest.listen(testApiPort(), '127.0.0.1', resolve));
  });

  afterEach(() => {
    vi.useRealTimers();
    duringDequeue = undefined;
  });

  afterAll(async () => {
    await new Promise((resolve) => rest.close(resolve));
  });

  it('takes a caller answered from the line out of it at the answer: a long talk is neither waiting nor silence', async () => {
    await leg('dave', sid('daveleg1'), sid('davecall1'), 'in-progress', 1);
    await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('talker'), From: '+15550001111', To: NUMBER, CallStatus: 'ringing' },
    });
    // Dave's call ends while the caller is still joining: the caller's own hold-music request takes him.
    await leg('dave', sid('daveleg1'), sid('davecall1'), 'completed', 2, { CallDuration: '60' });
    expect(verbs((await lineWait(sid('talker'), 2)).body)).toEqual(['Leave']);
    const offer = await postVoice({
      pathAndQuery: '/voice/line-left?g=talk',
      params: { CallSid: sid('talker'), From: '+15550001111', To: NUMBER, QueueResult: 'leave', QueueTime: '2' },
    });
    expect(
      parseTwiml(offer.body)
        .find((verb) => verb.name === 'Dial')
        ?.children.map((noun) => noun.text),
    ).toEqual(['dave']);

    await leg('dave', sid('talkleg'), sid('talker'), 'in-progress', 1);

    expect(await entries()).toEqual([]);
    // Fifteen minutes of talk later the call ends: it waited 2 seconds, not the whole call.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 900_000);
    await leg('dave', sid('talkleg'), sid('talker'), 'completed', 2, { CallDuration: '900' });
    await postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('talker'), CallStatus: 'completed', CallDuration: '905' } });
    const logged = (await tableSnapshot()).find((item) => String(item.pk).startsWith('CALLLOG#talk#') && item.callSid === sid('talker'));
    expect(logged).toMatchObject({ outcome: 'answered', answeredBy: 'dave' });
    expect(Number(logged?.waitedSeconds)).toBeLessThan(60);
  });

  it('keeps a claimed caller whose dequeue finds them already leaving the queue by themselves, and rings the member for them', async () => {
    await leg('dave', sid('daveleg2'), sid('davecall2'), 'in-progress', 1);
    await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('racer'), From: '+15550001111', To: NUMBER, CallStatus: 'ringing' },
    });
    expect(verbs((await lineWait(sid('racer'), 5)).body)).toContain('Play');
    // While the dequeue is on its way, the caller's hold music ends: their request sees the claim.
    let leftByItself: string[] = [];
    duringDequeue = async () => {
      leftByItself = verbs((await lineWait(sid('racer'), 9)).body);
    };

    await leg('dave', sid('daveleg2'), sid('davecall2'), 'completed', 2, { CallDuration: '60' });

    expect(leftByItself).toEqual(['Leave']);
    const [entry] = await entries();
    expect(entry).toMatchObject({ callSid: sid('racer'), state: 'offered', offeredTo: ['dave'] });
    const offer = await postVoice({
      pathAndQuery: '/voice/line-left?g=talk',
      params: { CallSid: sid('racer'), From: '+15550001111', To: NUMBER, QueueResult: 'leave', QueueTime: '9' },
    });
    expect(
      parseTwiml(offer.body)
        .find((verb) => verb.name === 'Dial')
        ?.children.map((noun) => noun.text),
    ).toEqual(['dave']);
  });

  it('records a caller who hangs up in the line as abandoned when the status callback arrives at the same moment as the queue action', async () => {
    await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('quitter'), From: '+15550001111', To: NUMBER, CallStatus: 'ringing' },
    });
    await lineWait(sid('quitter'), 5);

    await Promise.all([
      postVoice({
        pathAndQuery: '/voice/line-left?g=talk',
        params: { CallSid: sid('quitter'), From: '+15550001111', To: NUMBER, QueueResult: 'hangup', QueueTime: '30' },
      }),
      postVoice({ pathAndQuery: '/voice/status', params: { CallSid: sid('quitter'), CallStatus: 'completed', CallDuration: '35' } }),
    ]);

    const logged = (await tableSnapshot()).find((item) => String(item.pk).startsWith('CALLLOG#talk#') && item.callSid === sid('quitter'));
    expect(logged?.outcome).toBe('abandoned-waiting');
  });
});
