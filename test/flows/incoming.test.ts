import { beforeAll, describe, expect, it } from 'vitest';
import { playCall, spoken } from '../support/call-player.js';
import {
  loadGroup,
  loadMembers,
  loadNumber,
  NUMBER_EXTENSIONS,
  NUMBER_GREETING,
  NUMBER_NO_GROUP,
  NUMBER_PLAIN,
} from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';

/** SPEC section 3, played as whole calls. */
describe('incoming call flows', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', extension: '200', rings: 2 });
    await loadGroup('sales', { members: ['clara'], distribution: 'in-order', extension: '300', rings: 5 });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
    await loadNumber(NUMBER_GREETING, { group: 'support', greeting: { play: 'https://example.com/welcome.mp3' } });
    await loadNumber(NUMBER_EXTENSIONS, {
      group: 'support',
      extensions: true,
      greeting: { say: 'Willkommen bei Acme', language: 'de-DE' },
    });
    await loadNumber(NUMBER_NO_GROUP, {});
  });

  it('tells a caller of an unknown number that it is not in service and hangs up', async () => {
    const call = await playCall({ to: '+499999999999' });

    expect(spoken(call)).toEqual([defaultPrompts.unknownNumber]);
    expect(call.ended).toBe('hangup');
    expect(call.offers).toEqual([]);
  });

  it('tells a caller of a number without a group that nobody takes calls, and hangs up', async () => {
    const call = await playCall({ to: NUMBER_NO_GROUP });

    expect(spoken(call)).toEqual([defaultPrompts.noGroup]);
    expect(call.ended).toBe('hangup');
  });

  it('rings the group at once when the number has no greeting', async () => {
    const call = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });

    expect(call.transcript).toEqual([
      { verb: 'dial', nouns: ['anna'], timeout: 10, status: 'completed', answeredBy: 'anna' },
      { verb: 'hangup' },
    ]);
    expect(call.requests.map((request) => new URL(request.url).pathname)).toEqual([
      '/voice/incoming',
      '/voice/leg',
      '/voice/leg',
      '/voice/dial-result',
      '/voice/status',
    ]);
  });

  it('plays the greeting and then rings the group when extensions are off, ignoring keys pressed', async () => {
    const call = await playCall({ to: NUMBER_GREETING, digits: '300', devices: { anna: 'answer' } });

    expect(call.transcript.slice(0, 2)).toEqual([
      { verb: 'play', url: 'https://example.com/welcome.mp3' },
      { verb: 'redirect', url: 'group?g=support&v=support' },
    ]);
    expect(call.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('gathers digits only during the greeting, with numDigits of the longest extension', async () => {
    const call = await playCall({ to: NUMBER_EXTENSIONS, devices: { anna: 'answer' } });

    expect(call.transcript.slice(0, 3)).toEqual([
      { verb: 'say', text: 'Willkommen bei Acme', language: 'de-DE' },
      { verb: 'gather', numDigits: 3 },
      { verb: 'redirect', url: 'group?g=support&v=support' },
    ]);
    expect(call.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('sends a caller who dials a group extension to that group', async () => {
    const call = await playCall({ to: NUMBER_EXTENSIONS, digits: '300', devices: { 'sip:clara@acme.sip.twilio.com': 'answer' } });

    expect(call.offers).toEqual([{ nouns: ['sip:clara@acme.sip.twilio.com'], status: 'completed', answeredBy: 'clara' }]);
    expect(call.transcript.find((entry) => entry.verb === 'dial')).toMatchObject({ timeout: 25 });
  });

  it("rings the member of a member extension with the rings of the number group, then runs that group's missed-call action", async () => {
    const call = await playCall({ to: NUMBER_EXTENSIONS, digits: '102', voicemailSeconds: 8 });

    expect(call.offers).toEqual([{ nouns: ['ben', '+491709999999'], status: 'no-answer' }]);
    expect(call.transcript.find((entry) => entry.verb === 'dial')).toMatchObject({ timeout: 10 });
    expect(call.transcript.filter((entry) => entry.verb === 'record')).toEqual([{ verb: 'record', seconds: 8 }]);
    const recordingCallback = call.requests.find((request) => request.url.includes('/voice/recording'));
    expect(new URL(recordingCallback?.url ?? 'https://x/').searchParams.get('m')).toBe('ben');
  });

  it('says "unknown extension" for digits nobody owns, then rings the number group', async () => {
    const call = await playCall({ to: NUMBER_EXTENSIONS, digits: '999', devices: { anna: 'answer' } });

    expect(spoken(call)).toEqual(['Willkommen bei Acme', defaultPrompts.unknownExtension]);
    expect(call.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('treats a lone # as no digits', async () => {
    const call = await playCall({ to: NUMBER_EXTENSIONS, digits: '#', devices: { anna: 'answer' } });

    expect(spoken(call)).toEqual(['Willkommen bei Acme']);
    expect(call.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });
});
