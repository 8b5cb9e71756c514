import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as reconcile } from '../../functions/handlers/reconcile.js';
import { createTwilioApi, TwilioApiError } from '../../functions/twilio-api/client.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { admin, authToken } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';
import { startTwilioSession, type TwilioSession } from '../support/twilio-session.js';
import { localContext } from '../../bin/local/lambda-event.js';

/**
 * The voicemail reconciliation against the simulator's fake Recordings list: only recordings the
 * voice webhooks would have stored become voicemails (https://www.twilio.com/docs/voice/api/recording).
 */
const hex = (): string => randomBytes(16).toString('hex');

async function voicemailSids(): Promise<string[]> {
  const result = await admin('GET', '/voicemails');
  return (result.body.voicemails as { recordingSid: string }[]).map((voicemail) => voicemail.recordingSid).sort();
}

describe('voicemail reconciliation', () => {
  let twilio: TwilioSession | undefined;

  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('support', { members: ['anna'], whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
  });

  afterEach(async () => {
    await twilio?.close();
    twilio = undefined;
  });

  it('ignores recordings of other calls, of other sources, unfinished, too short or older than a day', async () => {
    twilio = await startTwilioSession();
    const [call] = await twilio.play([{ id: 'ours', from: '+15550007777', to: NUMBER_PLAIN, message: 6 }]);
    if (call === undefined) throw new Error('no call was played');
    const now = Date.now();
    const recording = (overrides: { callSid?: string; seconds?: number; createdAt?: Date; source?: string; status?: string }) => ({
      sid: `RE${hex()}`,
      callSid: call.sid,
      seconds: 30,
      createdAt: new Date(now - 60_000),
      ...overrides,
    });
    const others = [
      recording({ callSid: `CA${hex()}` }), // a call this project never handled
      recording({ source: 'DialVerb' }), // a <Dial record> of our call, not a message
      recording({ source: 'OutboundAPI' }),
      recording({ status: 'processing' }),
      recording({ status: 'absent' }),
      recording({ seconds: 1 }),
      recording({ createdAt: new Date(now - 25 * 3600_000) }),
    ];
    for (const other of others) twilio.api.addRecording(other);
    const before = await voicemailSids();

    const summary = await reconcile({}, localContext('reconcile'));

    // Our call's message was stored by its webhooks; the other call's is counted and left alone.
    expect(summary).toMatchObject({ found: 2, alreadyStored: 1, added: 0, otherCalls: 1 });
    expect(summary?.listed).toBeGreaterThanOrEqual(1 + others.length - 1);
    expect(await voicemailSids()).toEqual(before);
    expect(before).toContain(call.recordings[0]?.recordingSid);
  });

  it('lists every page of the Recordings list, newest first, with the day filter Twilio documents', async () => {
    twilio = await startTwilioSession();
    const now = Date.now();
    const made = Array.from({ length: 5 }, (_, index) => ({
      sid: `RE${hex()}`,
      callSid: `CA${hex()}`,
      seconds: 10 + index,
      createdAt: new Date(now - index * 60_000),
    }));
    for (const recording of made) twilio.api.addRecording(recording);
    const client = createTwilioApi({
      baseUrl: twilio.api.url,
      accountSid: twilio.simulation.accountSid,
      authToken: async () => authToken(),
    });
    const day = new Date(now - 24 * 3600_000).toISOString().slice(0, 10);

    const listed = await client.listRecordings({ createdOnOrAfter: day, pageSize: 2 });

    expect(listed.map((recording) => recording.sid)).toEqual(made.map((recording) => recording.sid));
    expect(listed[0]).toEqual({
      sid: made[0]?.sid,
      callSid: made[0]?.callSid,
      durationSeconds: 10,
      dateCreated: new Date(Math.floor(now / 1000) * 1000),
      source: 'RecordVerb',
      status: 'completed',
    });
    expect(twilio.api.requests.map((request) => ({ method: request.method, status: request.status, params: request.params }))).toEqual(
      [0, 1, 2].map((page) => ({
        method: 'GET',
        status: 200,
        params: { 'DateCreated>': day, PageSize: '2', ...(page === 0 ? {} : { Page: String(page) }) },
      })),
    );
  });

  it('is refused by the fake Recordings list as by Twilio: wrong credentials, another account, a misspelt filter', async () => {
    twilio = await startTwilioSession();
    const accountSid = twilio.simulation.accountSid;
    const base = twilio.api.url;
    const list = (options: { accountSid?: string; token?: string }) =>
      createTwilioApi({
        baseUrl: base,
        accountSid: options.accountSid ?? accountSid,
        authToken: async () => options.token ?? authToken(),
      }).listRecordings({ createdOnOrAfter: '2026-08-04' });

    await expect(list({ token: 'wrong' })).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(list({ accountSid: `AC${'1'.repeat(32)}`, token: authToken() })).rejects.toBeInstanceOf(TwilioApiError);
    const misspelt = await fetch(
      `${base}/2010-04-01/Accounts/${accountSid}/Recordings.json?${new URLSearchParams({ 'DateCreated>=': '2026-08-04' }).toString()}`,
      {
        headers: { authorization: `Basic ${Buffer.from(`${accountSid}:${authToken()}`).toString('base64')}` },
      },
    );
    expect(misspelt.status).toBe(400);
    await expect(
      createTwilioApi({ baseUrl: base, accountSid, authToken: async () => authToken() }).listRecordings({ createdOnOrAfter: 'yesterday' }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it('does nothing without an Account SID, and says so', async () => {
    vi.resetModules();
    const saved = process.env.TWILIO_ACCOUNT_SID;
    delete process.env.TWILIO_ACCOUNT_SID;
    try {
      const { handler } = await import('../../functions/handlers/reconcile.js');
      expect(await handler({}, localContext('reconcile'))).toBeUndefined();
    } finally {
      process.env.TWILIO_ACCOUNT_SID = saved;
      vi.resetModules();
    }
  });
});
