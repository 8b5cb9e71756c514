import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Behaviours, TranscriptEvent } from '../../bin/simulator/engine.js';
import { playCall, playCalls, type PlayOptions } from '../support/call-player.js';
import { admin, put } from '../support/invoke.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { createTestTable } from '../support/table.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';

const PIA = '+491710000001';
const PAUL = '+491710000002';
const CALLER = '+15550001111';

/** One call with simulator options (which reading of Twilio's docs it plays), shortened for asserting. */
async function call(devices: Behaviours, options: PlayOptions = {}) {
  const { results, events } = await playCalls([{ id: 'call', from: CALLER, to: NUMBER_PLAIN, message: 10 }], devices, options);
  const [result] = results;
  if (result === undefined || result.errors.length > 0) throw new Error(`the call failed: ${result?.errors.join('; ')}`);
  return {
    result,
    events,
    offers: result.offers.map((offer) => ({
      nouns: offer.nouns,
      status: offer.status,
      ...(offer.answeredBy === undefined ? {} : { answeredBy: offer.answeredBy }),
    })),
    heard: events.flatMap((event) => (event.type === 'say' ? [event.text] : [])),
    screens: events.flatMap((event) => (event.type === 'screen' ? [screenLine(event)] : [])),
  };
}

function screenLine(event: Extract<TranscriptEvent, { type: 'screen' }>): string {
  return `${event.member ?? event.noun} ${event.what}${event.text === undefined ? '' : ` ${event.text}`}`;
}

async function voicemailOwners(group: string): Promise<(string | undefined)[]> {
  const result = await admin('GET', `/voicemails?group=${group}`);
  return (result.body.voicemails as { member?: string }[]).map((voicemail) => voicemail.member);
}

/** SPEC section 15: phones that answer by themselves, and the whisper, played as whole calls. */
describe('confirmation and whisper flows', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await put('/users/pia', { name: 'Pia Paulsen', devices: [{ type: 'phone', number: PIA }] });
    await put('/users/paul', { name: 'Paul Peters', devices: [{ type: 'phone', number: PAUL }] });
  });

  it('in-order: a phone answered by its voicemail box does not take the call; the next member rings and takes it with a 1', async () => {
    await loadGroup('desk', { name: 'Front desk', members: ['pia', 'paul'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'desk' });

    const played = await call({ pia: 'voicemail-box', paul: 'answer' });

    expect(played.offers).toEqual([
      { nouns: [PIA], status: 'completed' },
      { nouns: [PAUL], status: 'completed', answeredBy: 'paul' },
    ]);
    expect(played.screens).toEqual([
      `pia hears Call for Front desk from ${CALLER}.`,
      'pia hears Press 1 to accept.',
      'pia no-key',
      'pia declined',
      `paul hears Call for Front desk from ${CALLER}.`,
      'paul hears Press 1 to accept.',
      'paul pressed 1',
      'paul accepted',
    ]);
    expect(played.result.answeredBy).toBe('paul');
    expect(played.heard).toEqual([]);
  });

  it('evenly: the voicemail box is passed over and the next member takes the call', async () => {
    await loadGroup('round', { members: ['pia', 'paul'], distribution: 'evenly' });
    await loadNumber(NUMBER_PLAIN, { group: 'round' });

    const played = await call({ pia: 'voicemail-box', paul: 'answer' });

    expect(played.offers.map((offer) => offer.answeredBy)).toEqual([undefined, 'paul']);
  });

  it('in-order: after the real members the caller reaches the missed-call action, not a private mailbox', async () => {
    await loadGroup('boxes', { members: ['pia', 'paul'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'boxes' });

    const played = await call({ pia: 'voicemail-box', paul: 'voicemail-box' });

    expect(played.offers).toEqual([
      { nouns: [PIA], status: 'completed' },
      { nouns: [PAUL], status: 'completed' },
    ]);
    expect(played.result.answeredBy).toBeUndefined();
    expect(played.heard).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
    expect(await voicemailOwners('boxes')).toEqual(['paul']);
  });

  it('a member who presses another key does not take the call', async () => {
    await loadGroup('keys', { members: ['pia', 'paul'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'keys' });

    const played = await call({ pia: { answerAfter: 3, keys: '2' }, paul: { answerAfter: 1 } });

    expect(played.offers.map((offer) => offer.answeredBy)).toEqual([undefined, 'paul']);
    expect(played.screens).toContain('pia pressed 2');
  });

  describe.each([
    ['at-answer', 'completed'],
    ['at-bridge', 'completed'],
    ['at-answer', 'no-answer'],
    ['at-bridge', 'no-answer'],
  ] as const)('all-at-once, the others canceled %s, a declined leg ending the <Dial> with %s', (othersCanceled, declinedDialStatus) => {
    const options = { othersCanceled, declinedDialStatus };

    it('a voicemail box does not take the call from a member who answers later', async () => {
      await loadGroup('all', { members: ['pia', 'paul', 'anna'], distribution: 'all-at-once', rings: 3 });
      await loadNumber(NUMBER_PLAIN, { group: 'all' });

      // pia's voicemail box answers at 2 s; anna answers her app at 8 s.
      const played = await call({ pia: 'voicemail-box', paul: 'no-answer', anna: { answerAfter: 8 } }, options);

      expect(played.result.answeredBy).toBe('anna');
      expect(played.heard).toEqual([]);
      expect(played.offers).toEqual(
        othersCanceled === 'at-bridge'
          ? // The others rang on while pia's voicemail box heard the question.
            [{ nouns: [PIA, PAUL, 'anna'], status: 'completed', answeredBy: 'anna' }]
          : // The voicemail box cut the offer short: the others ring again at once, without pia.
            [
              { nouns: [PIA, PAUL, 'anna'], status: declinedDialStatus },
              { nouns: [PAUL, 'anna'], status: 'completed', answeredBy: 'anna' },
            ],
      );
    });

    it('after the real members the caller reaches the missed-call action', async () => {
      await loadGroup('all-boxes', { members: ['pia', 'paul', 'anna'], distribution: 'all-at-once', rings: 3 });
      await loadNumber(NUMBER_PLAIN, { group: 'all-boxes' });

      const played = await call({ pia: 'voicemail-box', paul: 'voicemail-box', anna: 'no-answer' }, options);

      expect(played.result.answeredBy).toBeUndefined();
      expect(played.heard).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
      expect(played.screens.filter((line) => line.endsWith('declined'))).toEqual(['pia declined', 'paul declined']);
      // Each voicemail box drops out; anna, who never answered, rings until the last offer.
      expect(played.offers.map((offer) => offer.nouns)).toEqual(
        othersCanceled === 'at-bridge' ? [[PIA, PAUL, 'anna'], ['anna']] : [[PIA, PAUL, 'anna'], [PAUL, 'anna'], ['anna']],
      );
      expect((await voicemailOwners('all-boxes')).at(0)).toBe('anna');
    });
  });

  it("confirm 'off' keeps today's behaviour: the voicemail box takes the call", async () => {
    await loadGroup('trusting', { members: ['pia', 'paul'], distribution: 'in-order', confirm: 'off' });
    await loadNumber(NUMBER_PLAIN, { group: 'trusting' });

    const played = await call({ pia: 'voicemail-box', paul: 'answer' });

    expect(played.offers).toEqual([{ nouns: [PIA], status: 'completed', answeredBy: 'pia' }]);
    expect(played.screens).toEqual([]);
    expect(played.result.requests.some((request) => request.url.includes('/voice/leg-ask'))).toBe(false);
  });

  it("confirm 'all' asks app devices too", async () => {
    await loadGroup('careful', { members: ['anna'], confirm: 'all' });
    await loadNumber(NUMBER_PLAIN, { group: 'careful' });

    const played = await call({ anna: 'answer' });

    expect(played.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
    expect(played.screens).toContain('anna pressed 1');
  });

  it('whisper: the member hears the group and the caller before the bridge, without being asked', async () => {
    await loadGroup('whispered', { name: 'Support', members: ['anna'], whisper: 'group-and-caller' });
    await loadNumber(NUMBER_PLAIN, { group: 'whispered' });

    const played = await call({ anna: 'answer' });

    expect(played.screens).toEqual([`anna hears Call for Support from ${CALLER}.`, 'anna accepted']);
    expect(played.offers).toEqual([{ nouns: ['anna'], status: 'completed', answeredBy: 'anna' }]);
  });

  it('whisper: the group name alone', async () => {
    await loadGroup('named', { name: 'Sales', members: ['anna'], whisper: 'group' });
    await loadNumber(NUMBER_PLAIN, { group: 'named' });

    const played = await call({ anna: 'answer' });

    expect(played.screens).toEqual(['anna hears Call for Sales.', 'anna accepted']);
  });

  it('a forward to a number answered by a voicemail box ends in the group voicemail', async () => {
    await loadGroup('forwarding', {
      members: ['anna'],
      whenNobodyAnswers: { action: 'forward-to-number', number: '+491712222222' },
    });
    await loadNumber(NUMBER_PLAIN, { group: 'forwarding' });

    const played = await call({ '+491712222222': 'voicemail-box' });

    expect(played.offers.map((offer) => offer.nouns)).toEqual([['anna'], ['+491712222222']]);
    expect(played.result.answeredBy).toBeUndefined();
    expect(played.heard).toEqual([defaultPrompts.voicemail, defaultPrompts.voicemailThanks]);
  });

  it('a member who confirmed is busy for the next caller; one whose voicemail box declined is not', async () => {
    await loadGroup('busy', { members: ['pia', 'paul'], distribution: 'in-order' });
    await loadNumber(NUMBER_PLAIN, { group: 'busy' });

    const { results } = await playCalls(
      [
        { id: 'first', from: CALLER, to: NUMBER_PLAIN },
        { id: 'second', from: '+15550002222', to: NUMBER_PLAIN, at: 30 },
      ],
      { pia: ['voicemail-box', 'answer'], paul: 'answer' },
    );

    const [first, second] = results;
    expect(first?.answeredBy).toBe('paul');
    // paul talks for 60 s: the second caller gets pia, whose voicemail box declined the first call.
    expect(second?.answeredBy).toBe('pia');
  });

  it('a waiting caller offered to a phone answered by its voicemail box stays in the line, then reaches voicemail at maxWaitSeconds', async () => {
    await loadGroup('line', {
      name: 'Line',
      members: ['pia'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 60 },
    });
    await loadNumber(NUMBER_PLAIN, { group: 'line' });

    // The project's clock follows the simulation: the offers' time counts toward maxWaitSeconds.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 10, 27, 9) });
    const played = await call({ pia: 'voicemail-box' }, { playSeconds: 10, projectClockFrom: Date.now() }).finally(() =>
      vi.useRealTimers(),
    );

    // The first offer and at least one offer from the line ask pia's phone; it never presses 1.
    expect(played.offers.length).toBeGreaterThanOrEqual(2);
    expect(played.offers.every((offer) => offer.answeredBy === undefined)).toBe(true);
    expect(played.screens.filter((line) => line.startsWith('pia hears Call for Line')).length).toBe(played.offers.length);
    expect(played.result.recordings).toHaveLength(1);
    expect(await voicemailOwners('line')).toHaveLength(1);
  });

  it('plays a call with only the default device behaviours (playCall)', async () => {
    await loadGroup('plain', { members: ['ben'] });
    await loadNumber(NUMBER_PLAIN, { group: 'plain' });

    const played = await playCall({ to: NUMBER_PLAIN, devices: { '+491709999999': 'answer' } });

    expect(played.offers).toEqual([{ nouns: ['ben', '+491709999999'], status: 'completed', answeredBy: 'ben' }]);
  });
});
