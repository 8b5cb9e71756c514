import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallerScript, CallResult, InterruptedDialAction, TranscriptEvent, Transport } from '../../bin/simulator/engine.js';
import { getCall } from '../../functions/store/call-store.js';
import { send, tableName } from '../../functions/store/client.js';
import { keys } from '../../functions/store/keys.js';
import { inProcessTransport, playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

/**
 * SPEC 8: "When the project itself moves a caller off a ringing <Dial> (pickup, a waiting-line offer),
 * Twilio still requests that <Dial>'s action with DialCallStatus=canceled: that request changes
 * nothing." Twilio's docs do not say whether that request comes before or after the redirected TwiML's
 * first request, so each test plays both readings (the simulator's `interruptedDialAction`).
 */
const READINGS = ['before', 'after'] as const satisfies readonly InterruptedDialAction[];

const outside = (id: string, to: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({
  id,
  from: '+15550007777',
  to,
  at,
  ...extra,
});
const fromSoftphone = (id: string, member: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({
  id,
  from: `client:${member}`,
  to: '*11',
  at,
  path: '/voice/outbound',
  ...extra,
});

type GroupLive = {
  members: { id: string; presence: string; call: string | null }[];
  ringingCalls: { callSid: string; members: string[] }[];
  waitingCallers: { callSid: string; state: string }[];
};

async function live(group: string): Promise<GroupLive> {
  return (await admin('GET', `/groups/${group}/live`)).body as GroupLive;
}

async function logged(result: CallResult): Promise<Record<string, unknown> | undefined> {
  const calls = (await admin('GET', '/calls?limit=1000')).body.calls as Record<string, unknown>[];
  return calls.find((call) => call.callSid === result.sid);
}

/** The offer keys the evenly rotation of `group` recorded, by member (on the members' PRESENCE items). */
async function rotationOfferKeys(group: string, members: readonly string[]): Promise<[string, unknown][]> {
  const found: [string, unknown][] = [];
  for (const member of members) {
    const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.presence(member), ConsistentRead: true }));
    if (Item?.[`k#${group}`] !== undefined) found.push([member, Item[`k#${group}`]]);
  }
  return found;
}

/** The paths (with the pickup bridge and the <Dial> actions) a call requested, in order. */
function requestPaths(result: CallResult): string[] {
  return result.requests.map((request) => new URL(request.url).pathname.replace('/voice/', ''));
}

/**
 * The canceled action of the interrupted <Dial> on `path`, as the project's handler saw it; and what
 * the group looked like the moment it had been answered (a second offer would show a member ringing,
 * a caller put back in the line an entry waiting or joining).
 */
type CanceledAction = { answer: string; ringingAfter: GroupLive['ringingCalls']; waitingAfter: GroupLive['waitingCallers'] };

function watchingCanceledActions(path: string, group: string, seen: CanceledAction[]): Transport {
  return async (request) => {
    const response = await inProcessTransport(request);
    if (new URL(request.url).pathname === `/voice/${path}` && request.params.DialCallStatus === 'canceled') {
      const now = await live(group);
      seen.push({ answer: response.body, ringingAfter: now.ringingCalls, waitingAfter: now.waitingCallers });
    }
    return response;
  };
}

const EMPTY_RESPONSE = /^(<\?xml[^>]*\?>)?\s*<Response\s*\/>\s*$/;

function ignoredActions(events: readonly TranscriptEvent[], call: string): { url: string; verbs: string[] }[] {
  return events.flatMap((event) =>
    event.type === 'dial-action-ignored' && event.call === call ? [{ url: event.url, verbs: event.verbs }] : [],
  );
}

describe('our own redirects change nothing (SPEC 8)', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben', 'emil', 'frank', 'gina'])
      await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  });

  it.each(READINGS)(
    'a pickup of a call ringing at a colleague (action requested %s the pickup bridge): connected to the picker, no second offer, no extra rotation entry',
    async (reading) => {
      const group = `desk-${reading}`;
      const number = reading === 'before' ? '+493055555501' : '+493055555502';
      await loadGroup(group, {
        members: ['anna', 'ben', 'emil'],
        distribution: 'evenly',
        rings: 4,
        pickup: true,
        whenNobodyAnswers: { action: 'hangup' },
      });
      await loadNumber(number, { group });
      const canceled: CanceledAction[] = [];

      const { results, events } = await playCalls(
        [outside('caller', number, 0), fromSoftphone('ben-picks', 'ben', 5, { talkSeconds: 30 })],
        { anna: 'no-answer' },
        {
          interruptedDialAction: reading,
          transport: watchingCanceledActions('dial-result', group, canceled),
        },
      );

      const [caller, picker] = results as [CallResult, CallResult];
      expect(caller.errors).toEqual([]);
      expect(picker.errors).toEqual([]);
      // Connected to the picker, in the call's pickup conference.
      expect(caller).toMatchObject({ answeredBy: 'ben', answeredAt: 5, talkSeconds: 30 });
      // Twilio requested the canceled action in the order this reading says; the project answered it with an empty <Response/>.
      const paths = requestPaths(caller);
      expect(paths.filter((path) => path === 'dial-result' || path === 'pickup-bridge')).toEqual(
        reading === 'before' ? ['dial-result', 'pickup-bridge'] : ['pickup-bridge', 'dial-result'],
      );
      expect(canceled).toHaveLength(1);
      expect(canceled[0]?.answer).toMatch(EMPTY_RESPONSE);
      expect(ignoredActions(events, 'caller')).toEqual([{ url: expect.stringContaining('/voice/dial-result?'), verbs: [] }]);
      // No second offer: nobody but anna (whose offer was interrupted) rang for the call once the action was answered ...
      expect(
        canceled[0]?.ringingAfter
          .filter((ringing) => ringing.callSid === caller.sid)
          .flatMap((ringing) => ringing.members)
          .filter((member) => member !== 'anna'),
      ).toEqual([]);
      // ... the simulator saw one offer, the call item knows of one, and the evenly rotation recorded one.
      expect(caller.offers.map((offer) => [offer.members, offer.status])).toEqual([[['anna'], 'canceled']]);
      expect([...((await getCall(caller.sid))?.offeredMembers ?? [])]).toEqual(['anna']);
      expect(await rotationOfferKeys(group, ['anna', 'ben', 'emil'])).toEqual([['anna', `${caller.sid}:${group}:0`]]);
      // The call log says answered by the picker; nobody is left ringing or busy.
      expect(await logged(caller)).toMatchObject({ outcome: 'answered', answeredBy: 'ben' });
      expect((await live(group)).members.map((member) => `${member.id}:${member.presence}`)).toEqual([
        'anna:available',
        'ben:available',
        'emil:available',
      ]);
    },
  );

  it.each(READINGS)(
    'a pickup of a waiting caller whose line offer rings (action requested %s the pickup bridge): connected to the picker, no second offer',
    async (reading) => {
      const group = `line-${reading}`;
      const number = reading === 'before' ? '+493055555503' : '+493055555504';
      await loadGroup(group, {
        members: ['frank', 'gina'],
        distribution: 'in-order',
        rings: 2,
        pickup: true,
        whenNobodyAnswers: { action: 'wait-for-agent' },
      });
      await loadNumber(number, { group });
      // gina is away: never offered a call, but she may pick one up.
      await admin('PUT', '/users/gina/status', { status: 'away' });
      const canceled: CanceledAction[] = [];

      const { results, events } = await playCalls(
        [
          outside('talking', number, 0),
          outside('waiting', number, 5, { hangUpAfter: 300 }),
          fromSoftphone('gina-picks', 'gina', 45, { talkSeconds: 30 }),
        ],
        { frank: [{ answerAfter: 1, hangUpAfter: 40 }, 'no-answer'] },
        { interruptedDialAction: reading, playSeconds: 10, transport: watchingCanceledActions('line-offer-result', group, canceled) },
      );

      const [, waiting, picker] = results as [CallResult, CallResult, CallResult];
      expect(results.flatMap((result) => result.errors)).toEqual([]);
      // The caller waited, was offered to frank (the line's offer rang), and gina took the call from there.
      expect(waiting.offers.map((offer) => [offer.members, offer.status])).toEqual([[['frank'], 'canceled']]);
      expect(waiting).toMatchObject({ answeredBy: 'gina', answeredAt: 45, talkSeconds: 30 });
      expect(picker.answeredBy).toBe('waiting');
      // Twilio requested the canceled action in the order this reading says; the project answered it with an empty <Response/>.
      const paths = requestPaths(waiting);
      expect(paths.filter((path) => path === 'line-offer-result' || path === 'pickup-bridge')).toEqual(
        reading === 'before' ? ['line-offer-result', 'pickup-bridge'] : ['pickup-bridge', 'line-offer-result'],
      );
      expect(canceled).toHaveLength(1);
      expect(canceled[0]?.answer).toMatch(EMPTY_RESPONSE);
      expect(ignoredActions(events, 'waiting')).toEqual([{ url: expect.stringContaining('/voice/line-offer-result?'), verbs: [] }]);
      // No second offer: nobody but frank rang for the call once the action was answered, and the caller
      // was not put back in the line to wait for one (an entry left 'offered' is removed at the call's end).
      expect(
        canceled[0]?.ringingAfter
          .filter((ringing) => ringing.callSid === waiting.sid)
          .flatMap((ringing) => ringing.members)
          .filter((member) => member !== 'frank'),
      ).toEqual([]);
      expect(
        canceled[0]?.waitingAfter.filter(
          (entry) => entry.callSid === waiting.sid && (entry.state === 'waiting' || entry.state === 'joining'),
        ),
      ).toEqual([]);
      expect([...((await getCall(waiting.sid))?.offeredMembers ?? [])]).toEqual(['frank']);
      // The call log says answered by the picker; the line is empty and nobody is left ringing or busy.
      expect(await logged(waiting)).toMatchObject({ outcome: 'answered', answeredBy: 'gina' });
      const after = await live(group);
      expect(after.waitingCallers).toEqual([]);
      expect(after.members.map((member) => `${member.id}:${member.presence}`)).toEqual(['frank:available', 'gina:away']);
    },
  );
});
