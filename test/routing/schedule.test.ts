import { describe, expect, it } from 'vitest';
import { scheduleDocumentSchema, type Schedule } from '../../functions/commons/schemas.js';
import {
  closedGroupAction,
  closedNumber,
  nextChange,
  scheduleStatus,
  toggleDecision,
  togglableSchedules,
} from '../../functions/routing/schedule.js';
import { group } from '../support/members.js';

function schedule(document: Record<string, unknown>, id = 'office'): Schedule {
  return { ...scheduleDocumentSchema.parse({ name: 'Office', ...document }), id };
}

const at = (iso: string) => Date.parse(iso);
const openAt = (value: Schedule, iso: string) => scheduleStatus(value, at(iso)).open;

describe('scheduleStatus', () => {
  const office = schedule({
    timeZone: 'Europe/Berlin',
    weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
  });

  it('reads the weekly ranges on the local wall clock', () => {
    // Friday 2026-11-27: CET, UTC+1.
    expect(scheduleStatus(office, at('2026-11-27T06:59:00Z'))).toEqual({
      open: false,
      decidedBy: 'weekly',
      reason: 'weekly: no open range on fri at this time',
      localTime: '2026-11-27 07:59',
    });
    expect(scheduleStatus(office, at('2026-11-27T07:00:00Z'))).toMatchObject({ open: true, reason: 'weekly: open fri 08:00-17:00' });
    expect(openAt(office, '2026-11-27T15:59:59Z')).toBe(true);
    expect(openAt(office, '2026-11-27T16:00:00Z')).toBe(false);
    expect(openAt(office, '2026-11-28T10:00:00Z')).toBe(false);
  });

  it('keeps 08:00-17:00 local across both daylight-saving changes in Europe/Berlin', () => {
    // Monday after spring forward (2026-03-29): CEST, UTC+2.
    expect(openAt(office, '2026-03-30T05:59:00Z')).toBe(false);
    expect(openAt(office, '2026-03-30T06:00:00Z')).toBe(true);
    expect(openAt(office, '2026-03-30T14:59:00Z')).toBe(true);
    expect(openAt(office, '2026-03-30T15:00:00Z')).toBe(false);
    // Friday before: CET, UTC+1.
    expect(openAt(office, '2026-03-27T06:30:00Z')).toBe(false);
    expect(openAt(office, '2026-03-27T07:00:00Z')).toBe(true);
    // Monday after fall back (2026-10-25): CET again.
    expect(openAt(office, '2026-10-26T06:30:00Z')).toBe(false);
    expect(openAt(office, '2026-10-26T07:00:00Z')).toBe(true);
    expect(openAt(office, '2026-10-26T15:59:00Z')).toBe(true);
    expect(openAt(office, '2026-10-26T16:00:00Z')).toBe(false);
  });

  it('keeps 08:00-17:00 local across both daylight-saving changes in America/New_York', () => {
    const newYork = schedule({
      timeZone: 'America/New_York',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
    });
    // Friday 2026-03-06: EST, UTC-5; Monday 2026-03-09 (after 2026-03-08): EDT, UTC-4.
    expect(openAt(newYork, '2026-03-06T12:59:00Z')).toBe(false);
    expect(openAt(newYork, '2026-03-06T13:00:00Z')).toBe(true);
    expect(openAt(newYork, '2026-03-09T11:59:00Z')).toBe(false);
    expect(openAt(newYork, '2026-03-09T12:00:00Z')).toBe(true);
    expect(openAt(newYork, '2026-03-09T20:59:00Z')).toBe(true);
    expect(openAt(newYork, '2026-03-09T21:00:00Z')).toBe(false);
    // Monday 2026-11-02 (after 2026-11-01): EST again.
    expect(openAt(newYork, '2026-11-02T12:30:00Z')).toBe(false);
    expect(openAt(newYork, '2026-11-02T13:00:00Z')).toBe(true);
    expect(openAt(newYork, '2026-11-02T21:59:00Z')).toBe(true);
    expect(openAt(newYork, '2026-11-02T22:00:00Z')).toBe(false);
  });

  it('opens 01:00-03:30 for an hour and a half of real time on the spring-forward day, three and a half on the fall-back day (Berlin)', () => {
    const night = schedule({ timeZone: 'Europe/Berlin', weekly: [{ days: ['sun'], from: '01:00', to: '03:30' }] });
    // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
    expect(openAt(night, '2026-03-28T23:59:00Z')).toBe(false);
    expect(openAt(night, '2026-03-29T00:00:00Z')).toBe(true); // 01:00 CET
    expect(openAt(night, '2026-03-29T01:00:00Z')).toBe(true); // 03:00 CEST
    expect(openAt(night, '2026-03-29T01:29:00Z')).toBe(true); // 03:29 CEST
    expect(openAt(night, '2026-03-29T01:30:00Z')).toBe(false); // 03:30 CEST
    expect(nextChange(night, at('2026-03-29T00:10:00Z'))).toBe(at('2026-03-29T01:30:00Z'));
    // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
    expect(openAt(night, '2026-10-24T22:59:00Z')).toBe(false);
    expect(openAt(night, '2026-10-24T23:00:00Z')).toBe(true); // 01:00 CEST
    expect(openAt(night, '2026-10-25T01:30:00Z')).toBe(true); // 02:30 CET, the second time
    expect(openAt(night, '2026-10-25T02:29:00Z')).toBe(true); // 03:29 CET
    expect(openAt(night, '2026-10-25T02:30:00Z')).toBe(false);
    expect(nextChange(night, at('2026-10-24T23:00:00Z'))).toBe(at('2026-10-25T02:30:00Z'));
  });

  it('opens 01:00-03:30 for an hour and a half on the spring-forward day in America/New_York, and opens a range starting in the skipped hour when the clock jumps', () => {
    const night = schedule({ timeZone: 'America/New_York', weekly: [{ days: ['sun'], from: '01:00', to: '03:30' }] });
    // 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    expect(openAt(night, '2026-03-08T05:59:00Z')).toBe(false);
    expect(openAt(night, '2026-03-08T06:00:00Z')).toBe(true);
    expect(openAt(night, '2026-03-08T07:29:00Z')).toBe(true);
    expect(openAt(night, '2026-03-08T07:30:00Z')).toBe(false);
    // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00 UTC: 01:00 EDT (05:00 UTC) to 03:30 EST (08:30 UTC).
    expect(openAt(night, '2026-11-01T04:59:00Z')).toBe(false);
    expect(openAt(night, '2026-11-01T05:00:00Z')).toBe(true);
    expect(openAt(night, '2026-11-01T08:29:00Z')).toBe(true);
    expect(openAt(night, '2026-11-01T08:30:00Z')).toBe(false);
    const skipped = schedule({ timeZone: 'America/New_York', weekly: [{ days: ['sun'], from: '02:30', to: '04:00' }] });
    expect(nextChange(skipped, at('2026-03-08T06:00:00Z'))).toBe(at('2026-03-08T07:00:00Z'));
  });

  it('runs a range whose end is not after its start past midnight', () => {
    const late = schedule({ timeZone: 'UTC', weekly: [{ days: ['fri'], from: '22:00', to: '02:00' }] });
    expect(openAt(late, '2026-11-27T21:59:00Z')).toBe(false);
    expect(openAt(late, '2026-11-27T23:00:00Z')).toBe(true);
    expect(scheduleStatus(late, at('2026-11-28T01:59:00Z'))).toMatchObject({ open: true, reason: 'weekly: open fri 22:00-02:00' });
    expect(openAt(late, '2026-11-28T02:00:00Z')).toBe(false);
    const allDay = schedule({ timeZone: 'UTC', weekly: [{ days: ['sat'], from: '00:00', to: '24:00' }] });
    expect(openAt(allDay, '2026-11-28T23:59:00Z')).toBe(true);
    expect(openAt(allDay, '2026-11-29T00:00:00Z')).toBe(false);
  });

  it('lets an exception decide its whole date, and the override beat both until it expires', () => {
    const holidays = schedule({
      timeZone: 'Europe/Berlin',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
      exceptions: [
        { date: '2026-12-25', name: 'Christmas' },
        { date: '2026-12-24', open: [{ from: '08:00', to: '12:00' }] },
      ],
    });
    expect(scheduleStatus(holidays, at('2026-12-25T10:00:00Z'))).toMatchObject({
      open: false,
      decidedBy: 'exception',
      reason: 'exception 2026-12-25 (Christmas): closed all day',
    });
    expect(scheduleStatus(holidays, at('2026-12-24T10:00:00Z'))).toMatchObject({ open: true, decidedBy: 'exception' });
    expect(scheduleStatus(holidays, at('2026-12-24T12:00:00Z'))).toMatchObject({
      open: false,
      reason: 'exception 2026-12-24: outside its open hours 08:00-12:00',
    });
    const overridden = { ...holidays, override: { state: 'open' as const, until: '2026-12-25T12:00:00Z' } };
    expect(scheduleStatus(overridden, at('2026-12-25T10:00:00Z'))).toMatchObject({ open: true, decidedBy: 'override' });
    expect(scheduleStatus(overridden, at('2026-12-25T12:00:00Z'))).toMatchObject({ open: false, decidedBy: 'exception' });
    expect(nextChange(overridden, at('2026-12-25T10:00:00Z'))).toBe(at('2026-12-25T12:00:00Z'));
    // Christmas Eve closes at 12:00 local (11:00 UTC); next open: Monday 28th 08:00 local.
    expect(nextChange(holidays, at('2026-12-24T10:00:00Z'))).toBe(at('2026-12-24T11:00:00Z'));
    expect(nextChange(holidays, at('2026-12-24T12:00:00Z'))).toBe(at('2026-12-28T07:00:00Z'));
  });
});

describe('closed numbers and groups', () => {
  const schedules = new Map([['office', schedule({ timeZone: 'UTC', weekly: [{ days: ['fri'], from: '08:00', to: '17:00' }] })]]);
  const night = at('2026-11-27T20:00:00Z');
  const day = at('2026-11-27T10:00:00Z');

  it('gives a closed number its greeting and action, voicemail when it names none', () => {
    expect(closedNumber({ schedule: 'office' }, schedules, day)).toBeUndefined();
    expect(closedNumber({ schedule: 'office' }, schedules, night)).toEqual({ greeting: undefined, action: { action: 'voicemail' } });
    expect(
      closedNumber({ schedule: 'office', closedGreeting: { say: 'Closed' }, whenClosed: { action: 'hangup' } }, schedules, night),
    ).toEqual({ greeting: { say: 'Closed' }, action: { action: 'hangup' } });
    expect(closedNumber({}, schedules, night)).toBeUndefined();
  });

  it('runs a closed group’s whenClosed, else its whenNobodyAnswers', () => {
    expect(closedGroupAction(group('support', { schedule: 'office' }), schedules, day)).toBeUndefined();
    expect(closedGroupAction(group('support', { schedule: 'office' }), schedules, night)).toEqual({ action: 'voicemail' });
    expect(
      closedGroupAction(
        group('support', { schedule: 'office', whenClosed: { action: 'forward-to-number', number: '+4930123456' } }),
        schedules,
        night,
      ),
    ).toEqual({ action: 'forward-to-number', number: '+4930123456' });
  });
});

describe('toggleDecision', () => {
  const office = schedule({ timeZone: 'UTC', weekly: [{ days: ['fri'], from: '08:00', to: '17:00' }] }, 'office');
  const hotline = schedule({ timeZone: 'UTC', weekly: [], toggledBy: ['carl'] }, 'hotline');
  const schedules = new Map([
    ['office', office],
    ['hotline', hotline],
  ]);

  it('finds the schedules of the member’s groups, of numbers into them, and those naming the member', () => {
    const groups = [group('support', { members: ['anna'], schedule: 'office' }), group('sales', { members: ['ben'] })];
    const numbers = [{ number: '+4930111', group: 'sales', extensions: false, schedule: 'hotline' }];
    expect(togglableSchedules('anna', groups, numbers, schedules).map((found) => found.id)).toEqual(['office']);
    expect(togglableSchedules('ben', groups, numbers, schedules).map((found) => found.id)).toEqual(['hotline']);
    expect(togglableSchedules('carl', groups, numbers, schedules).map((found) => found.id)).toEqual(['hotline']);
    expect(togglableSchedules('dora', groups, numbers, schedules)).toEqual([]);
  });

  it('closes until the rules close anyway, opens until they open, and removes an override the rules agree with', () => {
    expect(toggleDecision([office], at('2026-11-27T10:00:00Z'))).toEqual({
      kind: 'toggle',
      state: 'closed',
      overrides: [{ schedule: 'office', override: { state: 'closed', until: '2026-11-27T17:00:00.000Z' } }],
    });
    expect(toggleDecision([office], at('2026-11-27T20:00:00Z'))).toEqual({
      kind: 'toggle',
      state: 'open',
      overrides: [{ schedule: 'office', override: { state: 'open', until: '2026-12-04T08:00:00.000Z' } }],
    });
    const closedByHand = { ...office, override: { state: 'closed' as const } };
    expect(toggleDecision([closedByHand], at('2026-11-27T10:00:00Z'))).toEqual({
      kind: 'toggle',
      state: 'open',
      overrides: [{ schedule: 'office', override: undefined }],
    });
    // Several: closed when any is open now; a schedule that never opens by itself gets an open override without end.
    expect(toggleDecision([hotline, office], at('2026-11-27T10:00:00Z'))).toMatchObject({ state: 'closed' });
    expect(toggleDecision([hotline, office], at('2026-11-27T20:00:00Z'))).toEqual({
      kind: 'toggle',
      state: 'open',
      overrides: [
        { schedule: 'hotline', override: { state: 'open' } },
        { schedule: 'office', override: { state: 'open', until: '2026-12-04T08:00:00.000Z' } },
      ],
    });
    expect(toggleDecision([], 0)).toEqual({ kind: 'refuse' });
  });
});

describe('scheduleDocumentSchema', () => {
  it('names the field of each problem', () => {
    const result = scheduleDocumentSchema.safeParse({
      name: 'x',
      timeZone: 'Mars/Olympus',
      weekly: [{ days: ['mon', 'funday'], from: '8:00', to: '17:00' }],
      exceptions: [{ date: '2026-02-30' }],
      override: { state: 'shut' },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'timeZone: must be an IANA time zone such as Europe/Berlin',
        'weekly.0.days.1: must be one of mon, tue, wed, thu, fri, sat, sun',
        'weekly.0.from: must be a time of day HH:MM such as 08:00 (24:00 for the end of the day)',
        'exceptions.0.date: must be a date that exists',
        'override.state: must be open or closed',
      ]),
    );
  });
});
