import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getSchedule } from '../../functions/store/config-store.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { playCall, playCalls, spoken } from '../support/call-player.js';
import { loadGroup, loadMembers, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

/** SPEC section 14: numbers and groups with opening hours, played as whole calls at chosen clock times. */
const OFFICE_NUMBER = '+493055500001';
const GREETED_NUMBER = '+493055500002';
const SALES_NUMBER = '+493055500003';

/** The office: Berlin, Monday to Friday 08:00-17:00, closed on Christmas Day, half a day on Christmas Eve. */
const OFFICE = {
  name: 'Office',
  timeZone: 'Europe/Berlin',
  weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
  exceptions: [
    { date: '2026-12-24', open: [{ from: '08:00', to: '12:00' }] },
    { date: '2026-12-25', name: 'Christmas Day' },
  ],
};

const SALES_HOURS = {
  name: 'Sales',
  timeZone: 'America/New_York',
  weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
};

/** Freeze the clock (Date only: the simulator's own timers run as always) at an ISO time. */
function clockAt(iso: string): void {
  vi.setSystemTime(new Date(iso));
}

describe('schedules: closed numbers and groups', () => {
  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    clockAt('2026-11-23T09:00:00Z');
    await createTestTable();
    await loadMembers();
    await put('/schedules/office', OFFICE);
    await put('/schedules/sales-hours', SALES_HOURS);
    await loadGroup('support', { members: ['anna'], rings: 2 });
    await loadGroup('sales', {
      members: ['clara'],
      rings: 2,
      schedule: 'sales-hours',
      whenClosed: { action: 'forward-to-number', number: '+491700000777' },
    });
    await loadNumber(OFFICE_NUMBER, { group: 'support', schedule: 'office' });
    await loadNumber(GREETED_NUMBER, {
      group: 'support',
      schedule: 'office',
      closedGreeting: { say: 'We are closed.' },
      whenClosed: { action: 'hangup' },
    });
    await loadNumber(SALES_NUMBER, { group: 'sales' });
  });

  afterEach(async () => {
    // Each test leaves the office schedule without override.
    const office = await getSchedule('office');
    if (office?.override !== undefined) await put('/schedules/office', OFFICE);
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('rings the group while the weekly ranges are open', async () => {
    clockAt('2026-11-27T10:00:00Z'); // Friday 11:00 in Berlin
    const call = await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } });

    expect(call.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('sends the caller to voicemail without ringing anyone when the weekly ranges are closed', async () => {
    clockAt('2026-11-27T16:00:00Z'); // Friday 17:00 in Berlin
    const call = await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } });

    expect(call.offers).toEqual([]);
    expect(spoken(call)).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
    expect(call.transcript.some((entry) => entry.verb === 'record')).toBe(true);
  });

  it('plays the closed greeting, then the number’s whenClosed action', async () => {
    clockAt('2026-11-28T10:00:00Z'); // Saturday
    const call = await playCall({ to: GREETED_NUMBER, devices: { anna: 'answer' } });

    expect(spoken(call)).toEqual(['We are closed.']);
    expect(call.offers).toEqual([]);
    expect(call.ended).toBe('hangup');
  });

  it('is closed all day by a holiday exception, and open by the special hours of another', async () => {
    clockAt('2026-12-24T10:00:00Z'); // Christmas Eve 11:00: special hours 08:00-12:00
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toHaveLength(1);
    clockAt('2026-12-24T11:30:00Z'); // 12:30: past the special hours
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toEqual([]);
    clockAt('2026-12-25T10:00:00Z'); // Christmas Day, a Friday: closed all day
    const call = await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } });
    expect(call.offers).toEqual([]);
    expect(spoken(call)[0]).toBe(defaultPrompts.voicemail);
  });

  it('is closed by the override, and open again at its until', async () => {
    clockAt('2026-12-28T09:00:00Z'); // Monday 10:00: open by the weekly ranges
    await put('/schedules/office', { ...OFFICE, override: { state: 'closed', until: '2026-12-28T11:00:00Z' } });

    clockAt('2026-12-28T10:59:59Z');
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toEqual([]);
    clockAt('2026-12-28T11:00:00Z');
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toEqual([
      { nouns: ['anna'], status: 'completed', answeredBy: 'anna' },
    ]);
  });

  it('runs a closed group’s whenClosed without ringing, while its number is open', async () => {
    clockAt('2026-12-29T13:00:00Z'); // Tuesday 08:00 in New York: sales closed
    const closed = await playCall({ to: SALES_NUMBER, devices: { clara: 'answer', '+491700000777': 'answer' } });
    expect(closed.transcript[0]).toMatchObject({ verb: 'dial', nouns: ['+491700000777'] });
    expect(closed.offers.flatMap((offer) => offer.nouns)).not.toContain('sip:clara@acme.sip.twilio.com');

    clockAt('2026-12-29T14:00:00Z'); // 09:00 in New York: open
    const open = await playCall({ to: SALES_NUMBER, devices: { clara: 'answer' } });
    expect(open.offers).toEqual([{ nouns: ['sip:clara@acme.sip.twilio.com'], status: 'completed', answeredBy: 'clara' }]);
  });

  it('toggles the override with *28 from a softphone: closed until the weekly ranges close, then open again', async () => {
    clockAt('2026-12-30T09:00:00Z'); // Wednesday 10:00 in Berlin: open
    const { results, events } = await playCalls([{ id: 'toggle', from: 'client:anna', to: '*28', path: '/voice/outbound' }]);
    const said = (call: string) => events.flatMap((event) => (event.type === 'say' && event.call === call ? [event.text] : []));
    expect(results[0]?.ended).toBe('hangup');
    expect(said('toggle')).toEqual([defaultPrompts.lineClosed]);
    expect((await getSchedule('office'))?.override).toEqual({ state: 'closed', until: '2026-12-30T16:00:00.000Z' });
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toEqual([]);

    // Toggled back: the override is removed, the weekly ranges say open.
    const again = await playCalls([{ id: 'toggle', from: 'client:anna', to: '*28', path: '/voice/outbound' }]);
    expect(again.events.flatMap((event) => (event.type === 'say' ? [event.text] : []))).toEqual([defaultPrompts.lineOpen]);
    expect((await getSchedule('office'))?.override).toBeUndefined();
    expect((await playCall({ to: OFFICE_NUMBER, devices: { anna: 'answer' } })).offers).toHaveLength(1);
  });

  it('toggles from a SIP phone the schedule of the caller’s group: sales closes until 17:00 in New York', async () => {
    clockAt('2026-12-30T15:00:00Z'); // Wednesday 10:00 in New York: sales open
    const { events } = await playCalls([
      { id: 'toggle', from: 'sip:clara@acme.sip.twilio.com', to: 'sip:*28@acme.sip.twilio.com', path: '/voice/outbound' },
    ]);
    expect(events.flatMap((event) => (event.type === 'say' ? [event.text] : []))).toEqual([defaultPrompts.lineClosed]);
    expect((await getSchedule('sales-hours'))?.override).toEqual({ state: 'closed', until: '2026-12-30T22:00:00.000Z' });
    expect((await getSchedule('office'))?.override).toBeUndefined();
    const closed = await playCall({ to: SALES_NUMBER, devices: { clara: 'answer', '+491700000777': 'answer' } });
    expect(closed.transcript[0]).toMatchObject({ verb: 'dial', nouns: ['+491700000777'] });
    await put('/schedules/sales-hours', SALES_HOURS);
  });

  it('refuses the toggle politely to a member who may toggle no schedule', async () => {
    clockAt('2026-12-30T09:00:00Z');
    const { events } = await playCalls([{ id: 'toggle', from: 'client:dora', to: '*28', path: '/voice/outbound' }]);
    expect(events.flatMap((event) => (event.type === 'say' ? [event.text] : []))).toEqual([defaultPrompts.notAllowedToToggle]);
    expect((await getSchedule('office'))?.override).toBeUndefined();
  });
});

describe('schedules: the admin API', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
  });

  it('answers open or closed at a time, with the rule that decided and the next change', async () => {
    await put('/schedules/office', { ...OFFICE, override: { state: 'open', until: '2026-12-25T12:00:00Z' } });
    const at = async (iso: string) => (await admin('GET', `/schedules/office/status?at=${encodeURIComponent(iso)}`)).body;

    expect(await at('2026-12-25T11:00:00+01:00')).toEqual({
      schedule: 'office',
      at: '2026-12-25T10:00:00.000Z',
      timeZone: 'Europe/Berlin',
      state: 'open',
      open: true,
      decidedBy: 'override',
      reason: 'the override says open until 2026-12-25T12:00:00Z',
      localTime: '2026-12-25 11:00',
      nextChange: '2026-12-25T12:00:00.000Z',
    });
    expect(await at('2026-12-25T12:00:00Z')).toMatchObject({
      state: 'closed',
      decidedBy: 'exception',
      reason: 'exception 2026-12-25 (Christmas Day): closed all day',
      nextChange: '2026-12-28T07:00:00.000Z',
    });
    expect(await at('2026-12-28T07:00:00Z')).toMatchObject({ state: 'open', decidedBy: 'weekly', reason: 'weekly: open mon 08:00-17:00' });
    expect(await at('2026-12-27T07:00:00Z')).toMatchObject({ state: 'closed', decidedBy: 'weekly' });
    expect(await admin('GET', '/schedules/office/status?at=yesterday')).toEqual({
      statusCode: 400,
      body: expect.objectContaining({ problems: [{ path: 'at', message: expect.stringContaining('ISO 8601') }] }) as unknown,
    });
    expect((await admin('GET', '/schedules/nothing/status')).statusCode).toBe(404);
  });

  it('refuses a bad schedule with every problem and its field', async () => {
    const result = await admin('PUT', '/schedules/bad', {
      name: 'Bad',
      timeZone: 'Europe/Atlantis',
      weekly: [{ days: ['monday'], from: '08:00', to: '25:00' }],
      exceptions: [{ date: '2026-13-01' }],
      override: { state: 'closed', until: 'tomorrow' },
    });
    expect(result.statusCode).toBe(400);
    const problems = (result.body.problems as { path: string; message: string }[]).map((problem) => problem.path);
    expect(problems).toEqual(
      expect.arrayContaining(['$.timeZone', '$.weekly[0].days[0]', '$.weekly[0].to', '$.exceptions[0].date', '$.override.until']),
    );
    expect((await admin('GET', '/schedules/bad')).statusCode).toBe(404);
  });

  it('refuses to delete a schedule a number or group names, and names who does', async () => {
    await put('/schedules/lunch', { name: 'Lunch', timeZone: 'UTC', weekly: [{ days: ['mon'], from: '12:00', to: '13:00' }] });
    await loadGroup('support', { members: ['anna'], schedule: 'lunch' });
    await loadNumber(OFFICE_NUMBER, { group: 'support', schedule: 'lunch' });

    expect(await admin('DELETE', '/schedules/lunch')).toEqual({
      statusCode: 409,
      body: { error: `schedule lunch is still referenced by group:support, number:${OFFICE_NUMBER}` },
    });
    expect((await admin('PUT', '/groups/other', { name: 'Other', members: [], schedule: 'nothing' })).statusCode).toBe(409);
    await loadGroup('support', { members: ['anna'] });
    await loadNumber(OFFICE_NUMBER, { group: 'support' });
    expect((await admin('DELETE', '/schedules/lunch')).statusCode).toBe(204);
  });

  it('refuses to delete a member a schedule lets toggle it', async () => {
    await put('/users/fred', { name: 'Fred' });
    await put('/schedules/night', { name: 'Night', timeZone: 'UTC', toggledBy: ['fred'] });
    expect((await admin('DELETE', '/users/fred')).statusCode).toBe(409);
    await put('/schedules/night', { name: 'Night', timeZone: 'UTC' });
    expect((await admin('DELETE', '/users/fred')).statusCode).toBe(204);
    expect((await admin('PUT', '/schedules/night', { name: 'Night', timeZone: 'UTC', toggledBy: ['nobody'] })).statusCode).toBe(409);
  });

  it('lists schedules with their state now', async () => {
    const { schedules } = (await admin('GET', '/schedules')).body as { schedules: { id: string; status: { state: string } }[] };
    expect(schedules.map((schedule) => schedule.id)).toContain('office');
    expect(schedules.find((schedule) => schedule.id === 'office')?.status.state).toMatch(/^(open|closed)$/);
  });
});
