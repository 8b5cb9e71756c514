import { beforeAll, describe, expect, it } from 'vitest';
import { playCall, type PlayedCall } from '../support/call-player.js';
import { admin, postVoice } from '../support/invoke.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';

async function status(member: string): Promise<unknown> {
  return (await admin('GET', `/users/${member}`)).body.status;
}

async function liveRow(member: string): Promise<Record<string, unknown> | undefined> {
  const live = await admin('GET', '/groups/desk/live');
  return (live.body.members as Record<string, unknown>[]).find((row) => row.id === member);
}

async function setAvailable(member: string): Promise<void> {
  expect((await admin('PUT', `/users/${member}/status`, { status: 'available' })).statusCode).toBe(200);
}

/** SPEC section 15, misses: `awayAfterMisses` sets a member away after that many unanswered offers in a row. */
describe('misses flows', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('desk', {
      members: ['anna', 'dora'],
      distribution: 'in-order',
      awayAfterMisses: 2,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(NUMBER_PLAIN, { group: 'desk' });
  });

  it('refuses other values of awayAfterMisses with a 400 naming the field', async () => {
    for (const value of [0, 11, 2.5, '3', null]) {
      const result = await admin('PUT', '/groups/bad', { name: 'Bad', members: [], awayAfterMisses: value });
      expect(result.statusCode).toBe(400);
      expect(JSON.stringify(result.body)).toContain('awayAfterMisses');
    }
  });

  it('sets a member away after 2 misses in a row and not after 1; the live view shows why', async () => {
    const first = await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });
    expect(first.offers).toEqual([
      { nouns: ['anna'], status: 'no-answer' },
      { nouns: ['dora'], status: 'completed', answeredBy: 'dora' },
    ]);
    expect(await status('anna')).toBe('available');
    expect((await liveRow('anna'))?.statusReason).toBeNull();

    await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });

    expect(await status('anna')).toBe('away');
    expect(await liveRow('anna')).toMatchObject({ presence: 'away', statusReason: 'missed 2 calls in a row' });
    // Away, she is passed over: dora takes the next call at once.
    const third = await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });
    expect(third.offers).toEqual([{ nouns: ['dora'], status: 'completed', answeredBy: 'dora' }]);
  });

  it('a manual status change and an answer each start the run again', async () => {
    await setAvailable('anna');
    expect(await liveRow('anna')).toMatchObject({ presence: 'available', statusReason: null });

    await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });
    const answered = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });
    expect(answered.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
    await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });

    // Miss, answer, miss: never two in a row.
    expect(await status('anna')).toBe('available');
  });

  it('a retried dial-result counts its offer once', async () => {
    await setAvailable('anna');
    const missed: PlayedCall = await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });
    const result = missed.requests.find((request) => new URL(request.url).pathname === '/voice/dial-result');
    if (result === undefined) throw new Error('no dial-result');
    expect(result.params.DialCallStatus).toBe('no-answer');
    const url = new URL(result.url);

    const retried = await postVoice({ pathAndQuery: `${url.pathname}${url.search}`, params: result.params });
    expect(retried.statusCode).toBe(200);
    expect(await status('anna')).toBe('available');

    // The run is one miss, not two: the next miss is the second.
    await playCall({ to: NUMBER_PLAIN, devices: { dora: 'answer' } });
    expect(await status('anna')).toBe('away');
  });
});
