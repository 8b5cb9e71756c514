import { beforeAll, describe, expect, it } from 'vitest';
import type { CallerScript, CallResult, TranscriptEvent } from '../../bin/simulator/engine.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493044444444';
const SALES_NUMBER = '+493044444445';

const outside = (id: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({ id, from: '+15550009999', to: NUMBER, at, ...extra });
/** A call placed by a member's softphone (the TwiML App's voice URL). */
const fromSoftphone = (id: string, member: string, to: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({ id, from: `client:${member}`, to, at, path: '/voice/outbound', ...extra });

function said(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) => (event.type === 'say' && event.call === call ? [event.text] : []));
}

function deviceOutcomes(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) => (event.type === 'device' && event.call === call ? [`${event.member ?? event.noun}:${event.outcome}`] : []));
}

async function outcomeOf(result: CallResult | undefined): Promise<Record<string, unknown> | undefined> {
  const calls = (await admin('GET', '/calls?limit=1000')).body.calls as Record<string, unknown>[];
  return calls.find((call) => call.callSid === result?.sid);
}

/** SPEC sections 8 and 9 with the simulator and DynamoDB Local. */
describe('call pickup and calls placed by members', () => {
  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', { name: 'Anna', extension: '101', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/users/ben', { name: 'Ben', extension: '102', devices: [{ type: 'client', identity: 'ben' }, { type: 'phone', number: '+491709999999' }] });
    await put('/users/clara', { name: 'Clara', extension: '103', devices: [{ type: 'sip', uri: 'sip:clara@acme.sip.twilio.com' }] });
    await put('/users/dora', { name: 'Dora', extension: '104', devices: [{ type: 'client', identity: 'dora' }] });
    await put('/users/emil', { name: 'Emil', extension: '105', devices: [{ type: 'client', identity: 'emil' }] });
    await loadGroup('support', { members: ['anna', 'ben', 'emil'], extension: '200', distribution: 'in-order', rings: 4, pickup: true, whenNobodyAnswers: { action: 'hangup' } });
    await loadGroup('sales', { members: ['clara', 'dora'], extension: '300', distribution: 'in-order', rings: 4, pickup: false, whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER, { group: 'support' });
    await loadNumber(SALES_NUMBER, { group: 'sales' });
  });

  it('lets a member pick up a call ringing at a colleague: connected to the picker, the colleague stops ringing, answered by the picker', async () => {
    const { results, events, api } = await playCalls([outside('caller', 0), fromSoftphone('ben-picks', 'ben', '*11', 5, { talkSeconds: 45 })]);

    const [caller, picker] = results as [CallResult, CallResult];
    expect(caller.answeredBy).toBe('ben');
    expect(caller.offers.map((offer) => offer.members)).toEqual([['anna']]);
    expect(deviceOutcomes(events, 'caller')).toEqual(['anna:canceled']);
    expect(picker.errors).toEqual([]);
    expect(api.requests.map((request) => [request.method, request.status, request.params.Url?.replace(/.*\/voice\//, '')])).toEqual([['POST', 200, `pickup-bridge?c=${caller.sid}`]]);
    expect(await outcomeOf(caller)).toMatchObject({ outcome: 'answered', answeredBy: 'ben' });
    // After the bridge, nobody is left marked busy or ringing.
    const live = (await admin('GET', '/groups/support/live')).body.members as { id: string; presence: string }[];
    expect(live.map((member) => member.presence)).toEqual(['available', 'available', 'available']);
  });

  it('connects exactly one of two members who dial *11 at the same moment for one ringing call', async () => {
    const { results, events } = await playCalls([outside('caller', 0), fromSoftphone('ben-picks', 'ben', '*11', 5), fromSoftphone('emil-picks', 'emil', '*11', 5)]);

    const [caller] = results as [CallResult];
    expect(['ben', 'emil']).toContain(caller.answeredBy);
    const loser = caller.answeredBy === 'ben' ? 'emil-picks' : 'ben-picks';
    expect(said(events, loser)).toEqual([defaultPrompts.nothingToPickUp]);
  });

  it('refuses pickup in a group with pickup off', async () => {
    const { results, events } = await playCalls([{ ...outside('caller', 0), to: SALES_NUMBER }, fromSoftphone('dora-picks', 'dora', '*11', 5)], { clara: 'no-answer' });

    expect(said(events, 'dora-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.answeredBy).toBeUndefined();
  });

  it('refuses pickup to a member outside the group', async () => {
    const { results, events } = await playCalls([outside('caller', 0), fromSoftphone('dora-picks', 'dora', '*11', 5)]);

    expect(said(events, 'dora-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.answeredBy).toBeUndefined();
  });

  it('says there is nothing to pick up when nothing rings', async () => {
    const { results, events } = await playCalls([fromSoftphone('ben-picks', 'ben', '*11', 0)]);

    expect(said(events, 'ben-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.ended).toBe('hangup');
  });

  it('takes the named member\'s call with directed pickup, even when an older call rings at someone else', async () => {
    const { results } = await playCalls([outside('older', 0), outside('younger', 2), fromSoftphone('emil-picks', 'emil', '*11102', 6)]);

    const [older, younger] = results as [CallResult, CallResult];
    expect(older.offers[0]?.members).toEqual(['anna']);
    expect(younger.offers[0]?.members).toEqual(['ben']);
    expect(younger.answeredBy).toBe('emil');
    expect(older.answeredBy).toBeUndefined();
  });

  it('accepts the pickup code from a SIP phone as sip:*11@domain', async () => {
    await loadGroup('desk', { members: ['anna', 'clara'], rings: 4, pickup: true, whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(SALES_NUMBER, { group: 'desk' });

    const { results } = await playCalls([{ ...outside('caller', 0), to: SALES_NUMBER }, { id: 'clara-picks', from: 'sip:clara@acme.sip.twilio.com', to: 'sip:*11@acme.sip.twilio.com', at: 5, path: '/voice/outbound' }], {
      'sip:clara@acme.sip.twilio.com': 'no-answer',
      anna: 'no-answer',
    });

    expect(results[0]?.answeredBy).toBe('clara');
    await loadNumber(SALES_NUMBER, { group: 'sales' });
    await admin('DELETE', '/groups/desk');
  });

  it('rings a member dialled by extension, then leaves a voicemail for that member', async () => {
    const { results, events } = await playCalls([fromSoftphone('anna-calls-ben', 'anna', '102', 0, { message: 6 })], { ben: 'no-answer', '+491709999999': 'no-answer' });

    const [call] = results as [CallResult];
    expect(call.offers.map((offer) => offer.nouns)).toEqual([['ben', '+491709999999']]);
    expect(said(events, 'anna-calls-ben')[0]).toBe(defaultPrompts.voicemail);
    const voicemails = (await admin('GET', '/voicemails')).body.voicemails as { callSid: string; member?: string; caller: string }[];
    expect(voicemails.find((voicemail) => voicemail.callSid === call.sid)).toMatchObject({ member: 'ben', caller: 'client:anna' });
  });

  it('connects an internal call to a member extension when they answer', async () => {
    const { results } = await playCalls([fromSoftphone('anna-calls-ben', 'anna', '102', 0)], { ben: 'answer' });

    expect(results[0]?.answeredBy).toBe('ben');
  });

  it('distributes an internal call to a group extension without offering it to the caller', async () => {
    const { results } = await playCalls([fromSoftphone('anna-calls-support', 'anna', '200', 0)], { ben: 'no-answer', emil: 'answer' });

    expect(results[0]?.offers.map((offer) => offer.members)).toEqual([['ben'], ['emil']]);
    expect(results[0]?.answeredBy).toBe('emil');
  });

  it('refuses a call from a device of no member, and a number it does not support', async () => {
    const { events } = await playCalls([
      { id: 'stranger', from: 'client:mallory', to: '*11', at: 0, path: '/voice/outbound' },
      fromSoftphone('anna-dials-out', 'anna', '+4930123456', 0),
    ]);

    expect(said(events, 'stranger')).toEqual([defaultPrompts.unknownCaller]);
    expect(said(events, 'anna-dials-out')).toEqual([defaultPrompts.notSupported]);
  });
});
