import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbOutageProxy } from '../support/dynamodb-outage.js';
import { localContext } from '../../bin/local/lambda-event.js';

/**
 * SPEC section 6: "a message Twilio recorded is in the list, even if the database was down when it
 * was recorded". The database really goes away (a proxy in front of DynamoDB Local is cut) while the
 * project handles the lost signals; the calls are played by the call simulator.
 */

// The handlers read DYNAMODB_ENDPOINT once, at import, as in Lambda: put the proxy in front of the
// table first, then load everything that reaches the handlers.
const databaseUrl = process.env.DYNAMODB_ENDPOINT;
if (databaseUrl === undefined) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests with vitest');
const outage = await startDynamoDbOutageProxy(databaseUrl);
process.env.DYNAMODB_ENDPOINT = outage.endpoint;
const { createTestTable, tableSnapshot } = await import('../support/table.js');
const { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } = await import('../support/fixtures.js');
const { admin } = await import('../support/invoke.js');
const { databaseDownFor, startTwilioSession } = await import('../support/twilio-session.js');
const { createTwilioApi } = await import('../../functions/twilio-api/client.js');
const { handler: reconcile } = await import('../../functions/handlers/reconcile.js');
const { defaultPrompts } = await import('../../functions/twiml/prompts.js');

type StoredVoicemail = {
  recordingSid: string;
  callSid: string;
  caller: string;
  group?: string;
  member?: string;
  recordingUrl: string;
  durationSeconds: number;
  recordedAt: string;
};

const CALLER = '+15550002222';

async function voicemailsOf(callSid: string): Promise<StoredVoicemail[]> {
  const result = await admin('GET', '/voicemails');
  expect(result.statusCode).toBe(200);
  return (result.body.voicemails as StoredVoicemail[]).filter((voicemail) => voicemail.callSid === callSid);
}

/** Which signal stored the recording (its marker in the table). */
async function storedBy(recordingSid: string): Promise<unknown> {
  return (await tableSnapshot()).find((item) => item.pk === `RECORDING#${recordingSid}`)?.storedBy;
}

/** What went wrong in the call besides the recording callback, which fails on purpose here. */
function unexpectedErrors(errors: readonly string[]): string[] {
  // The project may answer the callback with an HTTP error so that Twilio retries it (fault-answers.ts).
  return errors.filter((error) => !/^recording status callback answered HTTP 5\d\d$/.test(error));
}

function said(events: readonly { type: string; call: string; text?: string }[], call: string): string[] {
  return events.flatMap((event) => (event.call === call && event.type === 'say' && event.text !== undefined ? [event.text] : []));
}

describe('a voicemail whose webhooks are lost', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
  });

  afterAll(async () => {
    await outage.close();
  });

  it('is stored by the <Record> action when the database was down for the recording callback, and reconciliation then adds nothing', async () => {
    const twilio = await startTwilioSession({ transport: databaseDownFor(['/voice/recording'], outage) });
    try {
      const [call] = await twilio.play([{ id: 'callback-lost', from: CALLER, to: NUMBER_PLAIN, message: 8 }]);
      if (call === undefined) throw new Error('no call was played');
      const recording = call.recordings[0];
      const action = call.requests.find((request) => new URL(request.url).pathname === '/voice/voicemail-done');
      if (recording === undefined || action === undefined) throw new Error('the call left no recording');
      const context = new URL(action.url).searchParams;

      expect(unexpectedErrors(call.errors)).toEqual([]);
      expect(said(twilio.simulation.events, 'callback-lost')).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
      expect(await voicemailsOf(call.sid)).toEqual([
        {
          recordingSid: recording.recordingSid,
          callSid: call.sid,
          caller: CALLER,
          group: 'support',
          member: context.get('m'),
          recordingUrl: action.params.RecordingUrl,
          durationSeconds: 8,
          recordedAt: context.get('at'),
        },
      ]);
      expect(await storedBy(recording.recordingSid)).toBe('record-action');

      expect(await reconcile({}, localContext('reconcile'))).toEqual({ listed: 1, found: 1, alreadyStored: 1, added: 0, otherCalls: 0 });
      expect(await voicemailsOf(call.sid)).toHaveLength(1);
    } finally {
      await twilio.close();
    }
  });

  it('is stored by the reconciliation when the database was down for both the <Record> action and the recording callback; a second run adds nothing', async () => {
    const twilio = await startTwilioSession({ transport: databaseDownFor(['/voice/recording', '/voice/voicemail-done'], outage) });
    try {
      const [call] = await twilio.play([{ id: 'both-lost', from: CALLER, to: NUMBER_PLAIN, message: 9 }]);
      if (call === undefined) throw new Error('no call was played');
      const recording = call.recordings[0];
      if (recording === undefined) throw new Error('the call left no recording');

      // The caller was thanked once (not asked for another message), and nothing was stored.
      expect(unexpectedErrors(call.errors)).toEqual([]);
      expect(call.recordings).toHaveLength(1);
      expect(said(twilio.simulation.events, 'both-lost')).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
      expect(await voicemailsOf(call.sid)).toEqual([]);

      const first = await reconcile({}, localContext('reconcile'));
      const second = await reconcile({}, localContext('reconcile'));

      expect(first).toEqual({ listed: 1, found: 1, alreadyStored: 0, added: 1, otherCalls: 0 });
      expect(second).toEqual({ listed: 1, found: 1, alreadyStored: 1, added: 0, otherCalls: 0 });
      const group = (await admin('GET', '/groups/support')).body as { members: string[] };
      const [listed] = await createTwilioApi({
        baseUrl: twilio.api.url,
        accountSid: twilio.simulation.accountSid,
        authToken: async () => process.env.TWILIO_AUTH_TOKEN ?? '',
      }).listRecordings({ createdOnOrAfter: '2000-01-01' });
      expect(await voicemailsOf(call.sid)).toEqual([
        {
          recordingSid: recording.recordingSid,
          callSid: call.sid,
          caller: CALLER,
          group: 'support',
          // Only the URL knew the member the message was left for; the group's first member has it now.
          member: group.members[0],
          recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${twilio.simulation.accountSid}/Recordings/${recording.recordingSid}`,
          durationSeconds: 9,
          recordedAt: listed?.dateCreated.toISOString(),
        },
      ]);
      expect(await storedBy(recording.recordingSid)).toBe('reconciliation');
    } finally {
      await twilio.close();
    }
  });
});
