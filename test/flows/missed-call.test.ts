import { beforeAll, describe, expect, it } from 'vitest';
import { playCall, spoken } from '../support/call-player.js';
import { admin } from '../support/invoke.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';

type StoredVoicemail = {
  caller: string;
  group?: string;
  member?: string;
  durationSeconds: number;
  callSid: string;
  recordingUrl: string;
  recordedAt: string;
};

async function voicemails(query = ''): Promise<StoredVoicemail[]> {
  const result = await admin('GET', `/voicemails${query}`);
  expect(result.statusCode).toBe(200);
  return result.body.voicemails as StoredVoicemail[];
}

/** SPEC section 6, played as whole calls. */
describe('when nobody answers', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
  });

  it('voicemail: prompt, beep and record; the message belongs to the last member offered and is listed newest first', async () => {
    await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });

    const first = await playCall({ to: NUMBER_PLAIN, from: '+15550000001', voicemailSeconds: 12 });
    const second = await playCall({ to: NUMBER_PLAIN, from: '+15550000002', voicemailSeconds: 5 });

    expect(first.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['ben', '+491709999999'], status: 'no-answer' },
    ]);
    expect(spoken(first)).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
    const stored = await voicemails('?group=support');
    expect(stored.map(({ caller, group, member, durationSeconds }) => ({ caller, group, member, durationSeconds }))).toEqual([
      { caller: '+15550000002', group: 'support', member: 'ben', durationSeconds: 5 },
      { caller: '+15550000001', group: 'support', member: 'ben', durationSeconds: 12 },
    ]);
    expect(stored[0]?.callSid).toBe(second.requests[0]?.params.CallSid);
  });

  it('voicemail: an empty recording is not a message', async () => {
    await loadGroup('quiet', { members: ['anna'], whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'quiet' });

    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 1 });

    expect(spoken(call)).toEqual([defaultPrompts.voicemail, defaultPrompts.noMessage]);
    expect(await voicemails('?group=quiet')).toEqual([]);
  });

  it('voicemail: a group with nobody eligible gives the message to its first member', async () => {
    await admin('PUT', '/users/dora/status', { status: 'away' });
    await loadGroup('away', { members: ['dora', 'eve'], whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'away' });

    const call = await playCall({ to: NUMBER_PLAIN });

    expect(call.offers).toEqual([]);
    expect((await voicemails('?group=away')).map((voicemail) => voicemail.member)).toEqual(['dora']);
  });

  it('forward-to-mobile dials the mobile of the named member', async () => {
    await loadGroup('mobile-named', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-mobile', member: 'anna' } });
    await loadNumber(NUMBER_PLAIN, { group: 'mobile-named' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { '+491701234567': 'answer' } });

    expect(call.offers).toEqual([
      { nouns: ['ben', '+491709999999'], status: 'no-answer' },
      // anna's mobile is not one of her devices: the directory does not name her.
      { nouns: ['+491701234567'], status: 'completed', answeredBy: '+491701234567' },
    ]);
    expect(call.ended).toBe('hangup');
  });

  it('forward-to-mobile without a named member dials the mobile of the last member offered', async () => {
    await loadGroup('mobile-last', { members: ['ben', 'anna'], whenNobodyAnswers: { action: 'forward-to-mobile' } });
    await loadNumber(NUMBER_PLAIN, { group: 'mobile-last' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { '+491701234567': 'answer' } });

    expect(call.offers.map((offer) => offer.nouns)).toEqual([['ben', '+491709999999'], ['anna'], ['+491701234567']]);
  });

  it('forward-to-mobile falls back to voicemail when that member has no mobile', async () => {
    await loadGroup('mobile-none', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-mobile' } });
    await loadNumber(NUMBER_PLAIN, { group: 'mobile-none' });

    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 4 });

    expect(call.offers).toEqual([{ nouns: ['ben', '+491709999999'], status: 'no-answer' }]);
    expect(call.transcript.filter((entry) => entry.verb === 'record')).toEqual([{ verb: 'record', seconds: 4 }]);
    expect((await voicemails('?group=mobile-none')).map((voicemail) => voicemail.member)).toEqual(['ben']);
  });

  it('forward-to-number dials the number, and an unanswered forward ends in voicemail', async () => {
    await loadGroup('outsourced', { members: ['anna'], whenNobodyAnswers: { action: 'forward-to-number', number: '+4940123456' } });
    await loadNumber(NUMBER_PLAIN, { group: 'outsourced' });

    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 3 });

    expect(call.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['+4940123456'], status: 'no-answer' },
    ]);
    expect((await voicemails('?group=outsourced')).map((voicemail) => voicemail.member)).toEqual(['anna']);
  });

  it('forward-to-group distributes the call in the named group from its start', async () => {
    await loadGroup('second-level', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'hangup' } });
    await loadGroup('first-level', { members: ['anna'], whenNobodyAnswers: { action: 'forward-to-group', group: 'second-level' } });
    await loadNumber(NUMBER_PLAIN, { group: 'first-level' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { ben: 'answer' } });

    // anna is offered again: in the new group the call starts from the beginning.
    expect(call.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['ben', '+491709999999'], status: 'completed', answeredBy: 'ben' },
    ]);
  });

  it('forward-to-group ends in voicemail when the chain comes back to a visited group', async () => {
    await loadGroup('loop-a', { members: ['anna'], whenNobodyAnswers: { action: 'voicemail' } });
    await loadGroup('loop-b', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-group', group: 'loop-a' } });
    await loadGroup('loop-a', { members: ['anna'], whenNobodyAnswers: { action: 'forward-to-group', group: 'loop-b' } });
    await loadNumber(NUMBER_PLAIN, { group: 'loop-a' });

    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 6 });

    expect(call.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['ben', '+491709999999'], status: 'no-answer' },
    ]);
    expect(call.transcript.filter((entry) => entry.verb === 'record')).toEqual([{ verb: 'record', seconds: 6 }]);
    expect((await voicemails('?group=loop-b')).map((voicemail) => voicemail.member)).toEqual(['ben']);
  });

  it('hangup ends the call', async () => {
    await loadGroup('strict', { members: ['anna'], whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER_PLAIN, { group: 'strict' });

    const call = await playCall({ to: NUMBER_PLAIN });

    expect(call.transcript).toEqual([{ verb: 'dial', nouns: ['anna'], timeout: 15, status: 'no-answer' }, { verb: 'hangup' }]);
  });

  it('wait-for-agent offers the waiting caller again until the longest wait is over, then takes a message', async () => {
    await loadGroup('line', { members: ['anna'], whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 300 } });
    await loadNumber(NUMBER_PLAIN, { group: 'line' });

    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 9 });

    // Every offer while the caller waits goes to anna, who never answers.
    expect(call.offers.filter((offer) => offer.nouns.join() !== 'anna' || offer.status !== 'no-answer')).toEqual([]);
    expect(call.offers.length).toBeGreaterThan(1);
    expect(call.events.find((event) => event.type === 'record')?.at).toBeGreaterThanOrEqual(300);
    expect(spoken(call)).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
    expect((await voicemails('?group=line')).map((voicemail) => voicemail.durationSeconds)).toEqual([9]);
    expect(call.ended).toBe('hangup');
  });

  it('stores a voicemail once when Twilio repeats the recording callback', async () => {
    await loadGroup('repeat', { members: ['anna'], whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'repeat' });
    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 7 });
    const callback = call.requests.find((request) => request.url.includes('/voice/recording'));
    if (callback === undefined) throw new Error('no recording callback was posted');
    const { postVoice } = await import('../support/invoke.js');

    const url = new URL(callback.url);
    const repeated = await postVoice({ pathAndQuery: `${url.pathname}${url.search}`, params: callback.params });

    expect(repeated.statusCode).toBe(200);
    expect(await voicemails('?group=repeat')).toHaveLength(1);
  });
});
