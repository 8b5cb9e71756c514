import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { playCall, parseTwiml } from '../support/call-player.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { admin, postVoice } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/**
 * The two signals of a finished voicemail, the <Record> action and the recording status callback:
 * whichever arrives first stores it, once per RecordingSid, however often and in whatever order they
 * come (https://www.twilio.com/docs/voice/twiml/record).
 */
type StoredVoicemail = { recordingSid: string; callSid: string; recordedAt: string; group?: string; member?: string };

async function voicemailsOf(callSid: string): Promise<StoredVoicemail[]> {
  const result = await admin('GET', '/voicemails');
  expect(result.statusCode).toBe(200);
  return (result.body.voicemails as StoredVoicemail[]).filter((voicemail) => voicemail.callSid === callSid);
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

describe('voicemail signals', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
  });

  it('gives the <Record> action the same context as the recording callback: group, member, caller and time', async () => {
    const answer = await postVoice({
      pathAndQuery: '/voice/dial-result?g=support&o=anna,ben&v=support',
      params: {
        CallSid: `CA${'c'.repeat(32)}`,
        From: '+15550003333',
        To: NUMBER_PLAIN,
        CallStatus: 'in-progress',
        DialCallStatus: 'no-answer',
      },
    });

    const record = parseTwiml(answer.body).find((verb) => verb.name === 'Record');
    const action = new URL(record?.attrs.action ?? '', 'https://queue-groups.example.test/voice/dial-result');
    const callback = new URL(record?.attrs.recordingStatusCallback ?? '');
    expect(action.pathname).toBe('/voice/voicemail-done');
    expect(Object.fromEntries(action.searchParams)).toEqual(Object.fromEntries(callback.searchParams));
    expect(Object.fromEntries(action.searchParams)).toMatchObject({ g: 'support', m: 'ben', from: '+15550003333' });
    expect(action.searchParams.get('at')).toSatisfy((at: string | null) => at !== null && !Number.isNaN(Date.parse(at)), 'a time');
  });

  it('stores one voicemail when the action and the callback both arrive, are repeated, and carry different times', async () => {
    const call = await playCall({ to: NUMBER_PLAIN, from: '+15550004444', voicemailSeconds: 7 });
    const callback = call.requests.find((request) => new URL(request.url).pathname === '/voice/recording');
    const action = call.requests.find((request) => new URL(request.url).pathname === '/voice/voicemail-done');
    if (callback === undefined || action === undefined) throw new Error('the call sent no voicemail signals');
    const callSid = call.result.sid;
    const [stored] = await voicemailsOf(callSid);

    // Twilio may repeat either request; a copy of the callback says the message was recorded an hour
    // later (the voicemail's key starts with its time, so only the recording's marker can tell).
    const later = new URL(callback.url);
    later.searchParams.set('at', new Date(Date.parse(later.searchParams.get('at') ?? '') + 3600_000).toISOString());
    for (const repeat of [
      { pathAndQuery: pathAndQuery(action.url), params: action.params },
      { pathAndQuery: pathAndQuery(callback.url), params: callback.params },
      { pathAndQuery: pathAndQuery(later.toString()), params: callback.params },
    ]) {
      expect((await postVoice(repeat)).statusCode).toBe(200);
    }

    expect(await voicemailsOf(callSid)).toEqual([stored]);
    expect(stored?.recordingSid).toBe(callback.params.RecordingSid);
    // The simulator, like Twilio's docs, sends the callback before the action here.
    expect((await tableSnapshot()).find((item) => item.pk === `RECORDING#${callback.params.RecordingSid}`)?.storedBy).toBe(
      'recording-callback',
    );
  });

  it('stores the voicemail from the <Record> action when it comes first; the callback after it adds nothing', async () => {
    const callSid = `CA${'a'.repeat(32)}`;
    const recordingSid = `RE${'a'.repeat(32)}`;
    const query = `?at=${encodeURIComponent('2026-08-04T10:00:00.000Z')}&g=support&m=anna&from=${encodeURIComponent('+15550005555')}`;
    const recording = {
      RecordingSid: recordingSid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC${'0'.repeat(32)}/Recordings/${recordingSid}`,
      RecordingDuration: '6',
    };
    const base = { CallSid: callSid, From: '+15550005555', To: NUMBER_PLAIN };

    const thanked = await postVoice({
      pathAndQuery: `/voice/voicemail-done${query}`,
      params: { ...base, CallStatus: 'in-progress', ...recording, Digits: '' },
    });
    const callback = await postVoice({
      pathAndQuery: `/voice/recording${query}`,
      params: { ...base, ...recording, RecordingStatus: 'completed', RecordingSource: 'RecordVerb', RecordingChannels: '1' },
    });

    expect(parseTwiml(thanked.body)[0]?.text).toBe(defaultPrompts.voicemailThanks);
    expect(callback.statusCode).toBe(200);
    expect(await voicemailsOf(callSid)).toEqual([
      expect.objectContaining({ recordingSid, group: 'support', member: 'anna', recordedAt: '2026-08-04T10:00:00.000Z' }),
    ]);
    expect((await tableSnapshot()).find((item) => item.pk === `RECORDING#${recordingSid}`)?.storedBy).toBe('record-action');
  });

  it('stores nothing for an empty recording (under 2 s), whichever signal reports it', async () => {
    const callSid = `CA${'e'.repeat(32)}`;
    const recording = {
      RecordingSid: `RE${'e'.repeat(32)}`,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC${'0'.repeat(32)}/Recordings/RE${'e'.repeat(32)}`,
      RecordingDuration: '1',
    };
    const base = { CallSid: callSid, From: '+15550006666', To: NUMBER_PLAIN };

    const answer = await postVoice({
      pathAndQuery: '/voice/voicemail-done?g=support',
      params: { ...base, CallStatus: 'completed', ...recording, Digits: 'hangup' },
    });
    await postVoice({ pathAndQuery: '/voice/recording?g=support', params: { ...base, ...recording, RecordingStatus: 'completed' } });

    expect(parseTwiml(answer.body)[0]?.text).toBe(defaultPrompts.noMessage);
    expect(await voicemailsOf(callSid)).toEqual([]);
  });
});
