import { createServer } from 'node:net';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import type { handler as voiceHandler } from '../../functions/handlers/voice.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { authToken, postVoice, put, TEST_HOST } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

type VoiceHandler = typeof voiceHandler;

const incomingParams = { CallSid: 'CAsig0000000000000000000000000000', From: '+15550001111', To: NUMBER_PLAIN, CallStatus: 'ringing' };

/** A handler module loaded afresh with some environment changed (configuration is read at import). */
async function freshVoiceHandler(env: Record<string, string>): Promise<VoiceHandler> {
  vi.resetModules();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return (await import('../../functions/handlers/voice.js')).handler;
  } finally {
    process.env = saved;
  }
}

/** A port nothing listens on: DynamoDB "down" for real, without mocking the client. */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 1));
    });
  });
}

function signedEvent(options: {
  host: string;
  proto: string;
  path: string;
  query?: string;
  params: Record<string, string>;
  signedUrl: string;
  base64?: boolean;
}) {
  const body = new URLSearchParams(options.params).toString();
  const event = toLambdaEvent({
    method: 'POST',
    rawPath: options.path,
    rawQueryString: options.query ?? '',
    headers: {
      host: options.host,
      'x-forwarded-proto': options.proto,
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(authToken(), options.signedUrl, options.params),
    },
    body,
  });
  if (options.base64 === true) return { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };
  return event;
}

/** The voice handler through its real middleware chain, with requests signed as Twilio signs them. */
describe('voice handler', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('support', { members: ['anna'], distribution: 'evenly' });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
  });

  afterEach(() => {
    vi.resetModules();
  });

  describe('signature', () => {
    it('answers a correctly signed request', async () => {
      const result = await postVoice({ pathAndQuery: '/voice/incoming', params: incomingParams });

      expect(result.statusCode).toBe(200);
      expect(parseTwiml(result.body)[0]?.name).toBe('Dial');
    });

    it.each([
      ['unsigned', { unsigned: true }],
      ['forged with another token', { signWith: 'not-the-auth-token' }],
      ['signed for another path', { signedUrl: `https://${TEST_HOST}/voice/status` }],
      ['signed for another query', { signedUrl: `https://${TEST_HOST}/voice/incoming?g=sales` }],
      ['signed for another host', { signedUrl: 'https://attacker.example/voice/incoming' }],
      ['signed over http while Twilio called https', { signedUrl: `http://${TEST_HOST}/voice/incoming` }],
    ])('refuses a request %s with 403 and changes nothing', async (_what, options) => {
      const before = await tableSnapshot();

      const result = await postVoice({
        pathAndQuery: '/voice/incoming',
        params: { ...incomingParams, CallSid: 'CAforged000000000000000000000000' },
        ...options,
      });

      expect(result.statusCode).toBe(403);
      expect(await tableSnapshot()).toEqual(before);
    });

    it('refuses a request whose parameters were altered after signing', async () => {
      const event = signedEvent({
        host: TEST_HOST,
        proto: 'https',
        path: '/voice/incoming',
        params: incomingParams,
        signedUrl: `https://${TEST_HOST}/voice/incoming`,
      });
      const tampered = { ...event, body: new URLSearchParams({ ...incomingParams, To: '+491234567890' }).toString() };
      const { handler } = await import('../../functions/handlers/voice.js');

      const result = (await handler(tampered, localContext('voice'))) as APIGatewayProxyStructuredResultV2;

      expect(result.statusCode).toBe(403);
    });

    it('accepts a Base64-encoded body as API Gateway may deliver it', async () => {
      const event = signedEvent({
        host: TEST_HOST,
        proto: 'https',
        path: '/voice/fallback',
        params: incomingParams,
        signedUrl: `https://${TEST_HOST}/voice/fallback`,
        base64: true,
      });
      const { handler } = await import('../../functions/handlers/voice.js');

      const result = (await handler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;

      expect(result.statusCode).toBe(200);
    });

    it('checks against PUBLIC_BASE_URL when it is set, not the Host header', async () => {
      const handler = await freshVoiceHandler({ PUBLIC_BASE_URL: 'https://voice.acme.example/' });
      const params = { ...incomingParams, CallSid: 'CApublic00000000000000000000000000' };
      const signedForPublic = signedEvent({
        host: 'abc123.execute-api.eu-central-1.amazonaws.com',
        proto: 'https',
        path: '/voice/incoming',
        params,
        signedUrl: 'https://voice.acme.example/voice/incoming',
      });
      const signedForHost = signedEvent({
        host: 'abc123.execute-api.eu-central-1.amazonaws.com',
        proto: 'https',
        path: '/voice/incoming',
        params,
        signedUrl: 'https://abc123.execute-api.eu-central-1.amazonaws.com/voice/incoming',
      });

      const accepted = (await handler(signedForPublic, localContext('voice'))) as APIGatewayProxyStructuredResultV2;
      const refusedResult = (await handler(signedForHost, localContext('voice'))) as APIGatewayProxyStructuredResultV2;

      expect(accepted.statusCode).toBe(200);
      expect(refusedResult.statusCode).toBe(403);
    });
  });

  describe('failures never reach the caller as errors', () => {
    it('answers an apology and a voicemail for the group when DynamoDB cannot be reached', async () => {
      const handler = await freshVoiceHandler({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${await deadPort()}` });
      const event = signedEvent({
        host: TEST_HOST,
        proto: 'https',
        path: '/voice/dial-result',
        query: 'g=support&o=anna&v=support',
        params: { ...incomingParams, DialCallStatus: 'no-answer' },
        signedUrl: `https://${TEST_HOST}/voice/dial-result?g=support&o=anna&v=support`,
      });

      const result = (await handler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;

      expect(result.statusCode).toBe(200);
      const verbs = parseTwiml(result.body ?? '');
      expect(verbs.map((verb) => verb.name)).toEqual(['Say', 'Record', 'Say', 'Hangup']);
      expect(verbs.filter((verb) => verb.name === 'Say').map((verb) => verb.text)).toEqual([
        defaultPrompts.apology,
        defaultPrompts.noMessage,
      ]);
      const callback = new URL(verbs[1]?.attrs.recordingStatusCallback ?? '');
      expect(callback.searchParams.get('g')).toBe('support');
      expect(callback.searchParams.get('m')).toBe('anna');
    });

    it('answers /voice/fallback with the database down, taking the group from ErrorUrl', async () => {
      const handler = await freshVoiceHandler({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${await deadPort()}` });
      const params = { ...incomingParams, ErrorCode: '11205', ErrorUrl: `https://${TEST_HOST}/voice/group?g=support&v=support` };
      const event = signedEvent({
        host: TEST_HOST,
        proto: 'https',
        path: '/voice/fallback',
        params,
        signedUrl: `https://${TEST_HOST}/voice/fallback`,
      });

      const result = (await handler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;

      expect(result.statusCode).toBe(200);
      const record = parseTwiml(result.body ?? '').find((verb) => verb.name === 'Record');
      expect(new URL(record?.attrs.recordingStatusCallback ?? '').searchParams.get('g')).toBe('support');
    });

    it('serves the caller when our own action URL was damaged', async () => {
      const result = await postVoice({
        pathAndQuery: '/voice/dial-result?g=NOT_AN_ID',
        params: { ...incomingParams, DialCallStatus: 'no-answer' },
      });

      expect(result.statusCode).toBe(200);
      expect(parseTwiml(result.body).map((verb) => verb.name)).toEqual(['Say', 'Record', 'Say', 'Hangup']);
    });

    it('serves the caller on a path we never hand out', async () => {
      const result = await postVoice({ pathAndQuery: '/voice/nowhere', params: incomingParams });

      expect(result.statusCode).toBe(200);
      expect(parseTwiml(result.body)[0]?.text).toBe(defaultPrompts.apology);
    });

    it("apologises in the company's own words and language once this instance has read its settings", async () => {
      await put('/settings', { language: 'de-DE', prompts: { apology: 'Entschuldigung, bitte sprechen Sie nach dem Ton.' } });
      // Any webhook that reads the configuration warms this instance.
      await postVoice({ pathAndQuery: '/voice/incoming', params: { ...incomingParams, CallSid: 'CAsig0000000000000000000000000099' } });
      try {
        const result = await postVoice({ pathAndQuery: '/voice/fallback', params: { ...incomingParams, ErrorCode: '11200' } });
        const verbs = parseTwiml(result.body);
        expect(verbs[0]).toMatchObject({
          name: 'Say',
          text: 'Entschuldigung, bitte sprechen Sie nach dem Ton.',
          attrs: { language: 'de-DE' },
        });
        expect(verbs.at(-2)).toMatchObject({ name: 'Say', text: 'Wir haben keine Nachricht erhalten. Auf Wiederhören.' });
      } finally {
        await put('/settings', {});
      }
    });
  });

  describe('dial results', () => {
    it.each(['completed', 'answered'])('ends the call when the offer was %s', async (status) => {
      const result = await postVoice({
        pathAndQuery: '/voice/dial-result?g=support&o=anna&v=support',
        params: { ...incomingParams, CallStatus: 'in-progress', DialCallStatus: status },
      });

      expect(parseTwiml(result.body).map((verb) => verb.name)).toEqual(['Hangup']);
    });

    it.each(['busy', 'no-answer', 'failed', 'canceled'])('offers the call to the next member when the offer ended %s', async (status) => {
      await loadGroup('pair', { members: ['anna', 'ben'], distribution: 'in-order' });

      const result = await postVoice({
        pathAndQuery: '/voice/dial-result?g=pair&o=anna&v=pair',
        params: { ...incomingParams, CallStatus: 'in-progress', DialCallStatus: status },
      });

      const dial = parseTwiml(result.body).find((verb) => verb.name === 'Dial');
      expect(dial?.children.map((noun) => noun.text)).toEqual(['ben', '+491709999999']);
      // The action carries who rings now and since when (our own redirects are recognised by it).
      expect(dial?.attrs.action).toMatch(/^dial-result\?g=pair&o=anna%2Cben&v=pair&r=ben&t=\d{13}$/);
    });

    it('offers nobody else once the caller has hung up, and notes the call as abandoned while ringing', async () => {
      const before = await tableSnapshot();

      const result = await postVoice({
        pathAndQuery: '/voice/dial-result?g=support&v=support',
        params: { ...incomingParams, CallSid: 'CAgone00000000000000000000000000', CallStatus: 'completed', DialCallStatus: 'canceled' },
      });

      expect(parseTwiml(result.body).map((verb) => verb.name)).toEqual(['Hangup']);
      const after = await tableSnapshot();
      expect(after.filter((item) => item.pk !== 'CALL#CAgone00000000000000000000000000')).toEqual(before);
      expect(after.find((item) => item.pk === 'CALL#CAgone00000000000000000000000000')).toMatchObject({ abandoned: 'ringing' });
    });
  });
});
