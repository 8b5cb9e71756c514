import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../bin/local/dynamodb-local.js';

/**
 * Opening hours with the database gone (SPEC sections 13 and 14): the schedules travel with the cached
 * configuration, so a closed number or group still rings nobody. A DynamoDB Local of this file's own,
 * killed after a call warmed the cache; the handlers read their environment at import.
 */
const dynamo: DynamoDbLocal = await startDynamoDbLocal();
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.WEBHOOK_BUDGET_MS = '2500';
process.env.DYNAMODB_REQUEST_TIMEOUT_MS = '1000';
await ensureTable(dynamo.endpoint, process.env.TABLE_NAME ?? '');
const { postVoice, put } = await import('../support/invoke.js');
const { parseTwiml } = await import('../support/call-player.js');

const CLOSED = '+493055500011';
const OPEN_INTO_CLOSED_GROUP = '+493055500012';
const OPEN = '+493055500013';
const sid = (name: string): string => `CA${name.padEnd(32, '0')}`;

const verbs = (body: string): string[] => parseTwiml(body).map((verb) => verb.name);
const dialled = (body: string): string[] =>
  parseTwiml(body)
    .find((verb) => verb.name === 'Dial')
    ?.children.map((noun) => noun.text ?? '') ?? [];

describe('schedules with the database killed', () => {
  beforeAll(async () => {
    await put('/users/anna', { name: 'Anna', devices: [{ type: 'client', identity: 'anna' }] });
    // Closed at any clock time: an override without end, and a schedule without open ranges.
    await put('/schedules/closed', { name: 'Closed', timeZone: 'Europe/Berlin', override: { state: 'closed' } });
    await put('/schedules/never', { name: 'Never', timeZone: 'UTC' });
    await put('/groups/support', { name: 'Support', members: ['anna'] });
    await put('/groups/hotline', {
      name: 'Hotline',
      members: ['anna'],
      schedule: 'never',
      whenClosed: { action: 'forward-to-number', number: '+4940123456' },
    });
    await put(`/numbers/${encodeURIComponent(CLOSED)}`, { group: 'support', schedule: 'closed', closedGreeting: { say: 'Closed.' } });
    await put(`/numbers/${encodeURIComponent(OPEN_INTO_CLOSED_GROUP)}`, { group: 'hotline' });
    await put(`/numbers/${encodeURIComponent(OPEN)}`, { group: 'support' });
    // A call loads the configuration into this instance's cache, then the database dies.
    const warm = await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('warm'), From: '+15550001111', To: OPEN, CallStatus: 'ringing' },
    });
    expect(dialled(warm.body)).toEqual(['anna']);
    await dynamo.stop();
  }, 60_000);

  afterAll(async () => {
    await dynamo.stop();
  });

  it('sends a caller of a closed number to voicemail, rings nobody, also after its closed greeting', async () => {
    const incoming = await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('closed'), From: '+15550001111', To: CLOSED, CallStatus: 'ringing' },
    });
    expect(incoming.statusCode).toBe(200);
    expect(verbs(incoming.body)).toContain('Record');
    expect(dialled(incoming.body)).toEqual([]);

    const afterGreeting = await postVoice({
      pathAndQuery: '/voice/group?g=support&v=support&k=1',
      params: { CallSid: sid('closed'), From: '+15550001111', To: CLOSED, CallStatus: 'in-progress' },
    });
    expect(verbs(afterGreeting.body)).toContain('Record');
    expect(dialled(afterGreeting.body)).toEqual([]);
  }, 30_000);

  it('runs a closed group’s whenClosed, and still rings an open one', async () => {
    const closed = await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('hotline'), From: '+15550001111', To: OPEN_INTO_CLOSED_GROUP, CallStatus: 'ringing' },
    });
    expect(dialled(closed.body)).toEqual(['+4940123456']);
    const open = await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: sid('open'), From: '+15550001111', To: OPEN, CallStatus: 'ringing' },
    });
    expect(dialled(open.body)).toEqual(['anna']);
  }, 30_000);
});
