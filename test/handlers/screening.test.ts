import { beforeAll, describe, expect, it } from 'vitest';
import { installMeter, meter } from '../../bin/bench/request-meter.js';
import { documentClient } from '../../functions/store/client.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { postVoice, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const NUMBER = '+493044444444';
const PIA = '+491710000001';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

async function presenceOf(member: string): Promise<Record<string, unknown> | undefined> {
  return (await tableSnapshot()).find((item) => item.pk === `PRESENCE#${member}`);
}

/** The caller's first offer, with pia's phone noun. */
async function firstOffer(callSid: string) {
  const answer = await postVoice({
    pathAndQuery: '/voice/incoming',
    params: { CallSid: callSid, From: '+15550001111', To: NUMBER, CallStatus: 'ringing' },
  });
  const dial = parseTwiml(answer.body).find((verb) => verb.name === 'Dial');
  const noun = dial?.children[0];
  if (noun === undefined) throw new Error(`no offer: ${answer.body}`);
  return noun;
}

/** The answered leg's requests: its url document, then the key it pressed. */
async function screen(callSid: string, leg: string, digits: string) {
  const noun = await firstOffer(callSid);
  const url = noun.attrs.url ?? '';
  const params = {
    CallSid: leg,
    ParentCallSid: callSid,
    From: '+15550001111',
    To: PIA,
    CallStatus: 'in-progress',
    Direction: 'outbound-dial',
  };
  const asked = await postVoice({ pathAndQuery: `/voice/${url}`, params });
  const action = parseTwiml(asked.body).find((verb) => verb.name === 'Gather')?.attrs.action ?? '';
  const confirmed = await postVoice({ pathAndQuery: `/voice/${action}`, params: { ...params, Digits: digits } });
  return { noun, asked, confirmed };
}

/** SPEC section 15 through the real handler and DynamoDB Local: leg-ask and leg-confirm. */
describe('the answered leg routes', () => {
  beforeAll(async () => {
    installMeter(documentClient);
    await createTestTable();
    await put('/users/pia', { name: 'Pia', devices: [{ type: 'phone', number: PIA }] });
    await loadGroup('desk', { name: 'Front desk', members: ['pia'], whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER, { group: 'desk' });
  });

  it('a phone noun carries the signed url and asks for no leg callbacks', async () => {
    const noun = await firstOffer(`CA${'a'.repeat(32)}`);
    expect(noun.attrs).toEqual({ url: expect.stringMatching(/^leg-ask\?/) as string, method: 'POST' });
    expect(noun.attrs.url).toContain('k=1');
    expect(noun.attrs.url).toContain('m=pia');
    // The caller hangs up: pia stops ringing for the next test.
    await postVoice({
      pathAndQuery: '/voice/dial-result?g=desk&o=pia&v=desk&r=pia',
      params: { CallSid: `CA${'a'.repeat(32)}`, CallStatus: 'completed', DialCallStatus: 'canceled' },
    });
  });

  it('a 1 lets Twilio bridge, makes the member busy and records who answered', async () => {
    const call = `CA${'b'.repeat(32)}`;
    const leg = `CA${'c'.repeat(32)}`;
    const { asked, confirmed } = await screen(call, leg, '1');

    expect(asked.statusCode).toBe(200);
    expect(parseTwiml(asked.body).map((verb) => verb.name)).toEqual(['Say', 'Gather', 'Hangup']);
    expect(asked.body).toContain('Call for Front desk from +15550001111.');
    expect(confirmed.body).toBe(`${XML}<Response/>`);
    expect(await presenceOf('pia')).toMatchObject({ busyCall: call, busyLeg: leg });
    const item = (await tableSnapshot()).find((entry) => String(entry.pk).includes(call) && entry.answeredBy !== undefined);
    expect(item?.answeredBy).toBe('pia');

    // The <Dial> ends after the talk: the member is free again.
    await postVoice({
      pathAndQuery: `/voice/dial-result?g=desk&o=pia&v=desk&r=pia`,
      params: {
        CallSid: call,
        CallStatus: 'in-progress',
        DialCallStatus: 'completed',
        DialCallSid: leg,
        DialCallDuration: '30',
        DialBridged: 'true',
      },
    });
    expect(await presenceOf('pia')).not.toMatchObject({ busyLeg: leg });
  });

  it('no key hangs the leg up and the member no longer rings for the call', async () => {
    const call = `CA${'d'.repeat(32)}`;
    const { confirmed } = await screen(call, `CA${'e'.repeat(32)}`, '');

    expect(confirmed.body).toBe(`${XML}<Response><Hangup/></Response>`);
    expect(await presenceOf('pia')).not.toMatchObject({ ringingCall: call });
    expect(await presenceOf('pia')).not.toHaveProperty('busyCall');
    expect((await tableSnapshot()).filter((entry) => String(entry.pk).includes(call) && entry.answeredBy !== undefined)).toEqual([]);

    // The <Dial> ends not bridged: not answered, so the missed-call action runs (here: hang up).
    const result = await postVoice({
      pathAndQuery: `/voice/dial-result?g=desk&o=pia&v=desk&r=pia`,
      params: {
        CallSid: call,
        CallStatus: 'in-progress',
        DialCallStatus: 'completed',
        DialCallSid: `CA${'e'.repeat(32)}`,
        DialBridged: 'false',
      },
    });
    expect(result.body).toBe(`${XML}<Response><Hangup/></Response>`);
  });

  it('leg-ask answers without a DynamoDB request; leg-confirm reads before it writes', async () => {
    const call = `CA${'7'.repeat(32)}`;
    const noun = await firstOffer(call);
    const params = { CallSid: `CA${'8'.repeat(32)}`, ParentCallSid: call, From: '+15550001111', To: PIA, CallStatus: 'in-progress' };
    const asked = await meter(() => postVoice({ pathAndQuery: `/voice/${noun.attrs.url ?? ''}`, params }));
    expect(asked.value.statusCode).toBe(200);
    expect(asked.requests).toEqual([]);

    const action = parseTwiml(asked.value.body).find((verb) => verb.name === 'Gather')?.attrs.action ?? '';
    const confirmed = await meter(() => postVoice({ pathAndQuery: `/voice/${action}`, params: { ...params, Digits: '' } }));
    expect(confirmed.requests[0]?.command).toMatch(/Get|Query/);
    await postVoice({
      pathAndQuery: '/voice/dial-result?g=desk&o=pia&v=desk&r=pia',
      params: { CallSid: call, CallStatus: 'completed', DialCallStatus: 'canceled' },
    });
  });

  it('another key hangs the leg up too', async () => {
    const { confirmed } = await screen(`CA${'f'.repeat(32)}`, `CA${'9'.repeat(32)}`, '2');
    expect(confirmed.body).toBe(`${XML}<Response><Hangup/></Response>`);
    const end = await postVoice({
      pathAndQuery: `/voice/dial-result?g=desk&o=pia&v=desk&r=pia`,
      params: { CallSid: `CA${'f'.repeat(32)}`, CallStatus: 'in-progress', DialCallStatus: 'no-answer', DialBridged: 'false' },
    });
    expect(end.statusCode).toBe(200);
  });
});
