import { beforeAll, describe, expect, it } from 'vitest';
import { playCall } from '../support/call-player.js';
import { admin } from '../support/invoke.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_GREETING as NUMBER_GREETING_ONCE, NUMBER_PLAIN } from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';

/** SPEC section 4, played as whole calls. */
describe('distribution flows', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await admin('PUT', '/users/dora/status', { status: 'away' });
  });

  it('in-order rings the members down the list, skipping away and device-less members, until one answers', async () => {
    await loadGroup('sales', { members: ['dora', 'eve', 'anna', 'ben', 'clara'], distribution: 'in-order', rings: 4 });
    await loadNumber(NUMBER_PLAIN, { group: 'sales' });

    // ben's app is busy, his phone rings out: the offer to him ends no-answer.
    const call = await playCall({ to: NUMBER_PLAIN, devices: { clara: 'answer', ben: 'busy', '+491709999999': 'no-answer' } });

    expect(call.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['ben', '+491709999999'], status: 'no-answer' },
      { nouns: ['sip:clara@acme.sip.twilio.com'], status: 'completed', answeredBy: 'clara' },
    ]);
    expect(call.transcript.filter((entry) => entry.verb === 'dial').map((entry) => entry.verb === 'dial' && entry.timeout)).toEqual([
      20, 20, 20,
    ]);
    expect(call.ended).toBe('hangup');
  });

  it('in-order starts every call with the first member again', async () => {
    await loadGroup('sales', { members: ['anna', 'ben'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'sales' });

    const first = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });
    const second = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });

    expect(first.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
    expect(second.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('evenly offers the next call to the member offered longest ago, answered or not', async () => {
    await loadGroup('support', { members: ['anna', 'ben', 'clara'], distribution: 'evenly', rings: 2 });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });

    const first = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'no-answer', ben: 'answer' } });
    const second = await playCall({ to: NUMBER_PLAIN, devices: { clara: 'answer' } });
    const third = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });

    expect(first.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['ben', '+491709999999'], status: 'completed', answeredBy: 'ben' },
    ]);
    expect(second.offers).toEqual([{ nouns: ['sip:clara@acme.sip.twilio.com'], status: 'completed', answeredBy: 'clara' }]);
    expect(third.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('all-at-once rings every eligible member in one offer, and a SIP-only member in an offer of its own', async () => {
    await loadGroup('everyone', { members: ['anna', 'ben', 'clara', 'dora'], distribution: 'all-at-once', rings: 3 });
    await loadNumber(NUMBER_PLAIN, { group: 'everyone' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { 'sip:clara@acme.sip.twilio.com': 'answer' } });

    expect(call.offers).toEqual([
      { nouns: ['anna', 'ben', '+491709999999'], status: 'no-answer' },
      { nouns: ['sip:clara@acme.sip.twilio.com'], status: 'completed', answeredBy: 'clara' },
    ]);
  });

  it('all-at-once connects the first device to answer and ends the call after it', async () => {
    await loadGroup('everyone', { members: ['anna', 'ben'], distribution: 'all-at-once' });
    await loadNumber(NUMBER_PLAIN, { group: 'everyone' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { '+491709999999': 'answer' } });

    // ben's phone answers (his app does not): the call is his.
    expect(call.offers).toEqual([{ nouns: ['anna', 'ben', '+491709999999'], status: 'completed', answeredBy: 'ben' }]);
    expect(call.transcript.at(-1)).toEqual({ verb: 'hangup' });
    expect(call.ended).toBe('hangup');
  });

  it('evenly skips an away member without charging an offer, and offers her first when she is back', async () => {
    await admin('PUT', '/users/ben/status', { status: 'away' });
    await loadGroup('rotation', { members: ['ben', 'anna'], distribution: 'evenly' });
    await loadNumber(NUMBER_PLAIN, { group: 'rotation' });

    const whileAway = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });
    await admin('PUT', '/users/ben/status', { status: 'available' });
    const afterReturn = await playCall({ to: NUMBER_PLAIN, devices: { ben: 'answer' } });

    expect(whileAway.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
    expect(afterReturn.offers).toEqual([{ nouns: ['ben', '+491709999999'], status: 'completed', answeredBy: 'ben' }]);
  });

  it('plays the greeting once, however many offers follow', async () => {
    await loadGroup('sales', { members: ['anna', 'ben'], distribution: 'in-order' });
    await loadNumber(NUMBER_GREETING_ONCE, { group: 'sales', greeting: { say: 'Welcome to Acme' } });

    const call = await playCall({ to: NUMBER_GREETING_ONCE, devices: { ben: 'answer' } });

    expect(call.transcript.map((entry) => entry.verb)).toEqual(['say', 'redirect', 'dial', 'dial', 'hangup']);
  });

  it.each(['busy', 'failed'] as const)('moves on to the next member when the offer ends %s', async (outcome) => {
    await loadGroup('sales', { members: ['anna', 'ben'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'sales' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { anna: outcome, ben: 'answer' } });

    expect(call.offers).toEqual([
      { nouns: ['anna'], status: outcome },
      { nouns: ['ben', '+491709999999'], status: 'completed', answeredBy: 'ben' },
    ]);
  });
});
