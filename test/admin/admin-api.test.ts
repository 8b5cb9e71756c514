import { beforeAll, describe, expect, it } from 'vitest';
import { CALL_OUTCOMES, unknownCall, type CallOutcome, type CallState } from '../../functions/routing/call-outcome.js';
import { finishCall, logCallback } from '../../functions/store/call-store.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/** Run a refused request and check that it left every item of the table as it was. */
async function refused(method: string, path: string, body?: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const before = await tableSnapshot();
  const result = await admin(method, path, body);
  expect(await tableSnapshot()).toEqual(before);
  return result;
}

/** The admin API (SPEC section 10) against DynamoDB Local. */
describe('admin API', () => {
  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', {
      name: 'Anna Schmidt',
      extension: '101',
      mobile: '+491701234567',
      devices: [
        { type: 'client', identity: 'anna' },
        { type: 'sip', uri: 'sip:anna@acme.sip.twilio.com' },
      ],
    });
    await put('/users/ben', { name: 'Ben', extension: '102', devices: [{ type: 'client', identity: 'ben' }] });
    await put('/groups/support', {
      name: 'Support',
      members: ['anna', 'ben'],
      extension: '200',
      distribution: 'evenly',
      rings: 3,
      pickup: true,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await put('/numbers/+493012345678', {
      group: 'support',
      extensions: true,
      greeting: { say: 'Willkommen bei Acme', language: 'de-DE' },
    });
  });

  describe('documents as SPEC shows them', () => {
    it('creates with 201, replaces with 200, and reads back what was written', async () => {
      const created = await admin('PUT', '/users/carl', { name: 'Carl', devices: [{ type: 'phone', number: '+4915112345678' }] });
      const replaced = await admin('PUT', '/users/carl', { name: 'Carl C.', devices: [] });
      const read = await admin('GET', '/users/carl');

      expect(created.statusCode).toBe(201);
      expect(replaced.statusCode).toBe(200);
      expect(read).toEqual({ statusCode: 200, body: { id: 'carl', name: 'Carl C.', devices: [], status: 'available' } });
    });

    it("fills a group document's defaults and lists groups with their warnings", async () => {
      await put('/groups/minimal', { name: 'Minimal', members: [] });

      const read = await admin('GET', '/groups/minimal');

      expect(read.body).toEqual({
        id: 'minimal',
        name: 'Minimal',
        members: [],
        distribution: 'in-order',
        rings: 3,
        pickup: false,
        whenNobodyAnswers: { action: 'voicemail' },
        confirm: 'phones',
        whisper: 'off',
        wrapUpSeconds: 0,
        serviceLevelSeconds: 20,
        shortAbandonSeconds: 5,
        warnings: ['this group has no members: every call goes straight to its missed-call action'],
      });
      const list = await admin('GET', '/groups');
      expect((list.body.groups as { id: string }[]).map((group) => group.id)).toEqual(['minimal', 'support']);
      await admin('DELETE', '/groups/minimal');
    });

    it("warns when a member's SIP device cannot ring beside their other devices", async () => {
      const read = await admin('GET', '/groups/support');

      expect(read.body.warnings).toEqual([
        'member anna: a SIP device cannot ring beside other devices in one Twilio <Dial>, so only the other devices ring',
      ]);
    });

    it("warns when an all-at-once group needs more than one offer for Twilio's noun limits", async () => {
      for (let index = 0; index < 11; index += 1)
        await put(`/users/crowd-${index}`, { name: `Crowd ${index}`, devices: [{ type: 'client', identity: `crowd-${index}` }] });

      const result = await admin('PUT', '/groups/crowd', {
        name: 'Crowd',
        members: Array.from({ length: 11 }, (_unused, index) => `crowd-${index}`),
        distribution: 'all-at-once',
      });

      expect(result.statusCode).toBe(201);
      expect(result.body.warnings).toEqual([
        'all-at-once needs 2 offers one after another for this group: Twilio rings at most 10 <Client> and 10 <Number> nouns together and a <Sip> only on its own',
      ]);
    });

    it('saves a number without a group with a warning, and lists it with the warning', async () => {
      const saved = await admin('PUT', '/numbers/+493099999999', { extensions: false });
      const list = await admin('GET', '/numbers');

      expect(saved.statusCode).toBe(201);
      expect(saved.body.warnings).toEqual(['this number has no group: callers hear a short message and the call ends']);
      expect(list.body.numbers).toContainEqual({
        number: '+493099999999',
        extensions: false,
        warnings: ['this number has no group: callers hear a short message and the call ends'],
      });
    });

    it('sets a member away and back', async () => {
      const away = await admin('PUT', '/users/ben/status', { status: 'away' });
      expect(away).toEqual({ statusCode: 200, body: { id: 'ben', status: 'away' } });
      expect((await admin('GET', '/users/ben')).body.status).toBe('away');

      await admin('PUT', '/users/ben/status', { status: 'available' });
      expect((await admin('GET', '/users/ben')).body.status).toBe('available');
    });

    it("keeps a member's status when their document is replaced", async () => {
      await admin('PUT', '/users/ben/status', { status: 'away' });
      await put('/users/ben', { name: 'Ben Braun', extension: '102', devices: [{ type: 'client', identity: 'ben' }] });

      expect((await admin('GET', '/users/ben')).body.status).toBe('away');
      await admin('PUT', '/users/ben/status', { status: 'available' });
    });

    it('frees an extension when its owner changes it, so another can take it', async () => {
      await put('/users/dan', { name: 'Dan', extension: '150', devices: [] });
      await put('/users/dan', { name: 'Dan', extension: '151', devices: [] });

      const taken = await admin('PUT', '/users/erin', { name: 'Erin', extension: '150', devices: [] });

      expect(taken.statusCode).toBe(201);
    });

    it('lets a member be deleted once no group names them any more', async () => {
      await put('/users/temp', { name: 'Temp', extension: '160', devices: [] });
      await put('/groups/temp-group', { name: 'Temp group', members: ['temp'] });
      await put('/groups/temp-group', { name: 'Temp group', members: [] });

      expect((await admin('DELETE', '/users/temp')).statusCode).toBe(204);
      expect((await admin('GET', '/users/temp')).statusCode).toBe(404);
      expect((await admin('PUT', '/users/other', { name: 'Other', extension: '160', devices: [] })).statusCode).toBe(201);
    });

    it('reads and replaces settings with defaults filled in', async () => {
      expect((await admin('GET', '/settings')).body).toEqual({
        pickupCode: '*11',
        scheduleToggleCode: '*28',
        language: 'en-US',
        prompts: {},
      });

      const saved = await admin('PUT', '/settings', { pickupCode: '*8', prompts: { voicemail: 'Bitte sprechen Sie nach dem Ton.' } });

      expect(saved.body).toEqual({
        pickupCode: '*8',
        scheduleToggleCode: '*28',
        language: 'en-US',
        prompts: { voicemail: 'Bitte sprechen Sie nach dem Ton.' },
      });
      expect((await admin('GET', '/settings')).body).toEqual(saved.body);
    });
  });

  describe('400: every problem with its JSON path, nothing written', () => {
    it('lists every problem of a bad group document', async () => {
      const result = await refused('PUT', '/groups/broken', {
        name: '',
        members: ['anna', 'Not A Slug', 'anna'],
        extension: '12345',
        distribution: 'random',
        rings: 21,
        whenNobodyAnswers: { action: 'forward-to-number', number: '0301234' },
        colour: 'blue',
      });

      expect(result.statusCode).toBe(400);
      expect(result.body.error).toBe('the document is invalid');
      expect((result.body.problems as { path: string }[]).map((problem) => problem.path).sort()).toEqual(
        ['$', '$.distribution', '$.extension', '$.members', '$.members[1]', '$.name', '$.rings', '$.whenNobodyAnswers.number'].sort(),
      );
    });

    it('names the device that is wrong in a member document', async () => {
      const result = await refused('PUT', '/users/anna', {
        name: 'Anna',
        devices: [{ type: 'client', identity: 'anna' }, { type: 'sip', uri: 'anna' }, { type: 'fax' }],
      });

      expect(result.statusCode).toBe(400);
      expect((result.body.problems as { path: string }[]).map((problem) => problem.path)).toEqual([
        '$.devices[1].uri',
        '$.devices[2].type',
      ]);
    });

    it.each([
      ['a body that is not JSON', 'PUT', '/users/anna', '{"name": '],
      ['an empty body', 'PUT', '/users/anna', ''],
      ['an id that is not a slug', 'PUT', '/users/Anna', { name: 'Anna', devices: [] }],
      ['a number that is not E.164', 'PUT', '/numbers/030123', { group: 'support' }],
      ['a bad status', 'PUT', '/users/anna/status', { status: 'busy' }],
      ['a bad greeting', 'PUT', '/numbers/+493012345678', { group: 'support', greeting: { say: 'Hi', play: 'https://example.com/a.mp3' } }],
      ['a bad pickup code', 'PUT', '/settings', { pickupCode: '11' }],
      ['a bad voicemail limit', 'GET', '/voicemails?limit=0', undefined],
    ])('refuses %s', async (_what, method, path, body) => {
      const result = await refused(method, path, body);

      expect(result.statusCode).toBe(400);
      expect((result.body.problems as unknown[]).length).toBeGreaterThan(0);
    });
  });

  describe('404', () => {
    it.each([
      ['GET', '/users/nobody'],
      ['DELETE', '/users/nobody'],
      ['GET', '/groups/nobody'],
      ['DELETE', '/groups/nobody'],
      ['GET', '/numbers/+491111111111'],
      ['DELETE', '/numbers/+491111111111'],
      ['GET', '/no-such-route'],
    ])('%s %s', async (method, path) => {
      const result = await refused(method, path);

      expect(result.statusCode).toBe(404);
      expect(typeof result.body.error).toBe('string');
    });

    it('refuses a status for a member who does not exist', async () => {
      const result = await refused('PUT', '/users/nobody/status', { status: 'away' });

      expect(result).toEqual({ statusCode: 404, body: { error: 'user nobody not found' } });
    });
  });

  describe('409: the reason, nothing written', () => {
    it.each([
      ['a group naming a missing member', 'PUT', '/groups/new', { name: 'New', members: ['anna', 'ghost'] }, 'member ghost does not exist'],
      [
        'a forward-to-mobile naming a missing member',
        'PUT',
        '/groups/new',
        { name: 'New', members: ['anna'], whenNobodyAnswers: { action: 'forward-to-mobile', member: 'ghost' } },
        'member ghost does not exist',
      ],
      [
        'a forward-to-group naming a missing group',
        'PUT',
        '/groups/new',
        { name: 'New', members: ['anna'], whenNobodyAnswers: { action: 'forward-to-group', group: 'ghost' } },
        'group ghost does not exist',
      ],
      ['a number naming a missing group', 'PUT', '/numbers/+493055555555', { group: 'ghost' }, 'group ghost does not exist'],
      [
        'a member extension used by another member',
        'PUT',
        '/users/zoe',
        { name: 'Zoe', extension: '101', devices: [] },
        'extension 101 is already used by user:anna',
      ],
      [
        'a member extension used by a group',
        'PUT',
        '/users/ben',
        { name: 'Ben', extension: '200', devices: [] },
        'extension 200 is already used by group:support',
      ],
      [
        'a group extension used by a member',
        'PUT',
        '/groups/new',
        { name: 'New', members: [], extension: '102' },
        'extension 102 is already used by user:ben',
      ],
      ['deleting a member a group names', 'DELETE', '/users/anna', undefined, 'user anna is still referenced by group:support'],
      [
        'deleting a group a number names',
        'DELETE',
        '/groups/support',
        undefined,
        'group support is still referenced by number:+493012345678',
      ],
    ])('refuses %s', async (_what, method, path, body, reason) => {
      const result = await refused(method, path, body);

      expect(result).toEqual({ statusCode: 409, body: { error: reason } });
    });

    it('refuses deleting a group another group forwards to', async () => {
      await put('/groups/overflow', { name: 'Overflow', members: ['ben'] });
      await put('/groups/front', {
        name: 'Front',
        members: ['anna'],
        whenNobodyAnswers: { action: 'forward-to-group', group: 'overflow' },
      });

      const result = await refused('DELETE', '/groups/overflow');

      expect(result).toEqual({ statusCode: 409, body: { error: 'group overflow is still referenced by group:front' } });
    });
  });
  describe('GET /calls?outcome=', () => {
    /** A call of group support that ended `minutesAgo` minutes ago with this outcome. */
    const ended = (outcome: CallOutcome, index: number): CallState => ({
      ...unknownCall(`CA${String(index).padStart(2, '0')}${'e'.repeat(30)}`),
      group: 'support',
      startedAt: Math.floor(Date.now() / 1000) - 600 + index,
      ...(outcome === 'answered' ? { answeredBy: 'anna', answeredAt: Math.floor(Date.now() / 1000) - 590 + index } : {}),
      ...(outcome === 'voicemail' ? { voicemail: true } : {}),
      ...(outcome === 'abandoned-ringing' ? { abandoned: 'ringing' as const } : {}),
      ...(outcome === 'abandoned-waiting' ? { abandoned: 'waiting' as const } : {}),
      ...(outcome === 'callback-requested' ? { callbackRequested: true } : {}),
    });
    /** A callback's own record, as the callback's end logs it. */
    const callback = (outcome: 'called-back' | 'callback-failed', index: number) => {
      const endedAt = new Date((Math.floor(Date.now() / 1000) - 300 + index) * 1000).toISOString();
      return logCallback({
        callSid: `CA${String(index).padStart(2, '0')}${'f'.repeat(30)}`,
        from: '+493012345678',
        to: '+15550001111',
        group: 'support',
        groups: ['support'],
        outcome,
        answeredBy: outcome === 'called-back' ? 'anna' : undefined,
        answeredAfterSeconds: undefined,
        waitedSeconds: 200,
        startedAt: endedAt,
        endedAt,
        durationSeconds: 30,
        callbackFor: `CA${String(index).padStart(2, '0')}${'e'.repeat(30)}`,
        attempts: 1,
      });
    };

    beforeAll(async () => {
      // Two calls of every outcome, the voicemails the oldest, so a limit counting other outcomes would miss them.
      const outcomes: CallOutcome[] = ['voicemail', 'voicemail', 'answered', 'answered', 'missed', 'missed'];
      outcomes.push(
        'abandoned-ringing',
        'abandoned-ringing',
        'abandoned-waiting',
        'abandoned-waiting',
        'callback-requested',
        'callback-requested',
      );
      for (const [index, outcome] of outcomes.entries())
        await finishCall(ended(outcome, index), Math.floor(Date.now() / 1000) - 300 + index, 30);
      for (const [index, outcome] of (['called-back', 'called-back', 'callback-failed', 'callback-failed'] as const).entries())
        await callback(outcome, outcomes.length + index);
    });

    it.each(CALL_OUTCOMES)('lists only the calls that ended %s, newest first', async (outcome) => {
      const result = await admin('GET', `/calls?group=support&outcome=${outcome}`);

      const calls = result.body.calls as { outcome: string; endedAt: string }[];
      expect(result.statusCode).toBe(200);
      expect(calls.map((call) => call.outcome)).toEqual([outcome, outcome]);
      expect(calls[0]?.endedAt.localeCompare(calls[1]?.endedAt ?? '')).toBe(1);
    });

    it('applies the limit after the filter', async () => {
      const result = await admin('GET', '/calls?outcome=voicemail&limit=1');

      expect((result.body.calls as { outcome: string }[]).map((call) => call.outcome)).toEqual(['voicemail']);
    });

    it('refuses an outcome that does not exist, naming the allowed ones', async () => {
      const result = await admin('GET', '/calls?outcome=busy');

      expect(result).toEqual({
        statusCode: 400,
        body: {
          error: 'the query is invalid',
          problems: [
            {
              path: 'outcome',
              message:
                'must be one of answered, missed, voicemail, abandoned-ringing, abandoned-waiting, callback-requested, called-back, callback-failed',
            },
          ],
        },
      });
    });
  });
});
