import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { MAX_AUDIO_BYTES } from '../../functions/admin/voicemail-audio.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { putVoicemail } from '../../functions/store/voicemail-store.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';
import { startTwilioSession, type TwilioSession } from '../support/twilio-session.js';

/**
 * GET /voicemails/{recordingSid}/audio against the simulator's fake REST API, which serves a
 * recording's MP3 as Twilio does (https://www.twilio.com/docs/voice/api/recording#fetch-a-recording-media-file).
 */
const hex = (): string => randomBytes(16).toString('hex');

/** The admin handler's raw answer (the body may be base64 audio, not JSON). */
async function getAudio(recordingSid: string): Promise<APIGatewayProxyStructuredResultV2> {
  const event = toLambdaEvent({
    method: 'GET',
    rawPath: `/voicemails/${recordingSid}/audio`,
    rawQueryString: '',
    headers: { host: 'admin.example.test' },
    body: '',
  });
  return (await adminHandler(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;
}

const errorOf = (result: APIGatewayProxyStructuredResultV2): string => (JSON.parse(result.body ?? '{}') as { error: string }).error;

/** A voicemail the store holds whose recording Twilio may or may not have. */
async function storedVoicemail(recordingSid = `RE${hex()}`): Promise<string> {
  const recordedAt = new Date().toISOString();
  await putVoicemail(
    {
      recordingSid,
      callSid: `CA${hex()}`,
      caller: '+15550001234',
      group: 'support',
      member: undefined,
      recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC${'0'.repeat(32)}/Recordings/${recordingSid}`,
      durationSeconds: 7,
      recordedAt,
    },
    'record-action',
    new Date(),
  );
  return recordingSid;
}

describe('GET /voicemails/{recordingSid}/audio', () => {
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

  it("answers a voicemail's recording as audio/mpeg, fetched from Twilio with the account's credentials", async () => {
    twilio = await startTwilioSession();
    const [call] = await twilio.play([{ id: 'caller', from: '+15550007777', to: NUMBER_PLAIN, message: 6 }]);
    const recordingSid = call?.recordings[0]?.recordingSid ?? '';
    expect(recordingSid).toMatch(/^RE/);

    const result = await getAudio(recordingSid);

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('audio/mpeg');
    expect(result.isBase64Encoded).toBe(true);
    const audio = Buffer.from(result.body ?? '', 'base64');
    // MPEG audio frames, 6 seconds of them (144-byte frames of 36 ms).
    expect([...audio.subarray(0, 2)]).toEqual([0xff, 0xfb]);
    expect(audio.byteLength).toBe(Math.ceil(6 / 0.036) * 144);
    const [request] = twilio.api.requests;
    expect(twilio.api.requests).toHaveLength(1);
    expect(request).toMatchObject({
      method: 'GET',
      path: `/2010-04-01/Accounts/${twilio.simulation.accountSid}/Recordings/${recordingSid}.mp3`,
      status: 200,
    });
  });

  it('answers 404 for a recording that is not one of our voicemails, without asking Twilio', async () => {
    twilio = await startTwilioSession();
    const other = `RE${hex()}`;
    twilio.api.addRecording({ sid: other, callSid: `CA${hex()}`, seconds: 30, createdAt: new Date() });

    const result = await getAudio(other);

    expect(result.statusCode).toBe(404);
    expect(errorOf(result)).toBe(`voicemail ${other} not found`);
    expect(twilio.api.requests).toEqual([]);
  });

  it('answers 400 for a path segment that is no RecordingSid', async () => {
    const result = await getAudio('CA123');

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toEqual({
      error: 'the recording SID in the path is invalid',
      problems: [{ path: 'recording SID', message: 'must be a RecordingSid: RE followed by 32 hex digits' }],
    });
  });

  it("answers 502 naming Twilio's refusal when Twilio no longer has the recording", async () => {
    twilio = await startTwilioSession();
    const recordingSid = await storedVoicemail();

    const result = await getAudio(recordingSid);

    expect(result.statusCode).toBe(502);
    expect(errorOf(result)).toMatch(new RegExp(`^Twilio answered 404 \\(error 20404\\) for recording ${recordingSid}: `));
  });

  it('answers 502 when Twilio cannot be reached', async () => {
    const recordingSid = await storedVoicemail();

    const result = await getAudio(recordingSid);

    expect(result.statusCode).toBe(502);
    expect(errorOf(result)).toBe(`Twilio's REST API could not be reached for recording ${recordingSid}`);
  });

  it('answers 502 for a recording larger than a function URL can answer with, base64-encoded', async () => {
    twilio = await startTwilioSession();
    const recordingSid = `RE${hex()}`;
    twilio.api.addRecording({ sid: recordingSid, callSid: `CA${hex()}`, seconds: 3600, createdAt: new Date() });
    twilio.api.setRecordingMedia(recordingSid, new Uint8Array(MAX_AUDIO_BYTES + 1));
    await storedVoicemail(recordingSid);

    const result = await getAudio(recordingSid);

    expect(result.statusCode).toBe(502);
    expect(errorOf(result)).toContain(`is larger than the ${MAX_AUDIO_BYTES} bytes the admin API can answer with`);
    // The limit leaves room in Lambda's 6 MB response for the base64 body and the rest of the answer.
    expect(Math.ceil(MAX_AUDIO_BYTES / 3) * 4).toBeLessThan(6 * 1024 * 1024 - 1024);
  });

  it('passes on a recording just under the limit', async () => {
    twilio = await startTwilioSession();
    const recordingSid = `RE${hex()}`;
    twilio.api.addRecording({ sid: recordingSid, callSid: `CA${hex()}`, seconds: 3600, createdAt: new Date() });
    twilio.api.setRecordingMedia(recordingSid, new Uint8Array(MAX_AUDIO_BYTES).fill(7));
    await storedVoicemail(recordingSid);

    const result = await getAudio(recordingSid);

    expect(result.statusCode).toBe(200);
    expect(Buffer.from(result.body ?? '', 'base64').byteLength).toBe(MAX_AUDIO_BYTES);
  });
});
