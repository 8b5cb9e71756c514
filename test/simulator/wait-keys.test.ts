import { describe, expect, it } from 'vitest';
import type { CallerScript, TranscriptEvent } from '../../bin/simulator/engine.js';
import { STAND_IN_BASE, standInProject, type Route, type Seen } from '../support/stand-in-project.js';
import { scenarioSchema } from '../../bin/simulator/scenario.js';
import { formatTranscript } from '../../bin/simulator/transcript.js';

/**
 * Keys a caller presses while waiting in a queue (`waitKeys`): the waitUrl answers with a <Gather>,
 * the keys reach its action, and the action's answer plays in the waiting line (a <Leave> there ends
 * the wait with QueueResult=leave).
 */
const play = (routes: Record<string, Route>) => standInProject(routes, { statusCallbackPath: null });

const caller: CallerScript = { id: 'c1', from: '+15550001111', to: '+493000000001' };
const requests = (seen: readonly Seen[]): string[] => seen.map((request) => `${request.path}@${request.at}`);
const sayings = (events: readonly TranscriptEvent[]): string[] => events.flatMap((event) => (event.type === 'say' ? [event.text] : []));

/**
 * The line: the hold document is a <Gather> of one key around 3 s of speech and 5 s of music, then 10
 * s of silence (23 s in all with its 5 s timeout); '1' opens the menu, whose '1' confirms a callback.
 */
const line: Record<string, Route> = {
  '/voice/incoming': () => '<Enqueue action="left" waitUrl="hold">support</Enqueue><Say>after the line</Say>',
  '/voice/hold': () =>
    '<Gather input="dtmf" numDigits="1" action="menu" timeout="5"><Say>Please hold, press 1 for options</Say><Play>https://example.com/music.mp3</Play></Gather><Pause length="10"/>',
  '/voice/menu': (params) =>
    params.Digits === '1'
      ? '<Gather numDigits="1" action="confirm" timeout="5"><Say>Press 1 to leave and be called back</Say></Gather><Say>Back to the line</Say>'
      : '<Say>Unknown option</Say>',
  '/voice/confirm': (params) => (params.Digits === '1' ? '<Say>We will call you back</Say><Leave/>' : '<Say>Back to the line</Say>'),
  '/voice/left': (params) => `<Say>left ${params.QueueResult}</Say><Hangup/>`,
};

describe('call simulator: keys pressed while waiting (waitKeys)', () => {
  it("sends a key to the waitUrl <Gather>'s action, presses the next entry at the next <Gather>, and a <Leave> there ends the wait", async () => {
    const { simulation, seen } = play(line);

    const [result] = await simulation.run([
      {
        ...caller,
        waitKeys: [
          { after: 10, digits: '1' },
          { after: 12, digits: '1' },
        ],
      },
    ]);

    // The key at 10 s comes in the hold <Gather>'s timeout (prompt 0-8 s, timeout to 13 s); the menu's
    // prompt (4 s) is still playing at 12 s; "We will call you back" lasts 2 s, then <Leave>.
    expect(requests(seen)).toEqual(['/voice/incoming@0', '/voice/hold@0', '/voice/menu@10', '/voice/confirm@12', '/voice/left@14']);
    expect(seen.every((request) => request.signatureValid)).toBe(true);
    const menu = seen.find((request) => request.path === '/voice/menu');
    expect(menu?.params).toMatchObject({
      Digits: '1',
      CallSid: seen[0]?.params.CallSid,
      From: caller.from,
      To: caller.to,
      Direction: 'inbound',
    });
    // Twilio documents the queue's parameters for the waitUrl request only: the action gets the call's.
    expect(menu?.params).not.toHaveProperty('QueuePosition');
    expect(seen.find((request) => request.path === '/voice/left')?.params).toMatchObject({ QueueResult: 'leave', QueueTime: '14' });
    expect(result?.ended).toBe('hangup');
    expect(sayings(simulation.events)).toEqual([
      'Please hold, press 1 for options',
      'Press 1 to leave and be called back',
      'We will call you back',
      'left leave',
    ]);
    expect(simulation.events.filter((event) => event.type === 'gather')).toEqual([
      expect.objectContaining({ at: 10, digits: '1', numDigits: 1, queue: 'support' }),
      expect.objectContaining({ at: 12, digits: '1', queue: 'support' }),
    ]);
    expect(simulation.events.find((event) => event.type === 'queue-leave')).toMatchObject({ at: 14, result: 'leave', waitedSeconds: 14 });
    const transcript = formatTranscript(simulation.events, result === undefined ? [] : [result]);
    expect(transcript).toContain('caller pressed 1 while waiting in line support');
    expect(transcript).toContain(`the keys 1 go to the <Gather>'s action ${STAND_IN_BASE}/voice/menu; its answer plays in line support`);
  });

  it('stops the prompt at the key, as Twilio does', async () => {
    const { simulation, seen } = play(line);

    await simulation.run([{ ...caller, hangUpAfter: 5, waitKeys: [{ after: 1, digits: '1' }] }]);

    expect(requests(seen).slice(0, 3)).toEqual(['/voice/incoming@0', '/voice/hold@0', '/voice/menu@1']);
    // The music after the speech never started.
    expect(simulation.events.some((event) => event.type === 'play')).toBe(false);
  });

  it('keeps an entry whose second has not come for a later <Gather>: a <Gather> without keys goes on to the next verb', async () => {
    const { simulation, seen } = play(line);

    await simulation.run([{ ...caller, hangUpAfter: 40, waitKeys: [{ after: 30, digits: '2' }] }]);

    // The first <Gather> listens until 13 s, the pause until 23 s; the waitUrl again, whose <Gather> gets the key at 30 s.
    expect(requests(seen).slice(0, 4)).toEqual(['/voice/incoming@0', '/voice/hold@0', '/voice/hold@23', '/voice/menu@30']);
    expect(
      simulation.events.filter((event) => event.type === 'gather').map((event) => [event.at, event.type === 'gather' ? event.digits : '']),
    ).toEqual([
      [13, undefined],
      [30, '2'],
    ]);
    // The menu's answer ("Unknown option", 1 s) ran out: the waitUrl is requested again.
    expect(seen.find((request) => request.path === '/voice/hold' && request.at > 30)?.at).toBe(31);
  });

  it('types several keys finished by finishOnKey', async () => {
    const { simulation, seen } = play({
      ...line,
      '/voice/hold': () => '<Gather action="number" finishOnKey="#" timeout="5"><Say>Type your number, then hash</Say></Gather>',
      '/voice/number': (params) => `<Say>We will call ${params.Digits}</Say><Leave/>`,
    });

    await simulation.run([{ ...caller, waitKeys: [{ after: 2, digits: '4930123456#' }] }]);

    // The hash ends the input at once: no timeout after the last key.
    expect(seen.find((request) => request.path === '/voice/number')).toMatchObject({
      at: 2,
      params: expect.objectContaining({ Digits: '4930123456' }),
    });
    expect(seen.find((request) => request.path === '/voice/left')?.params).toMatchObject({ QueueResult: 'leave' });
  });

  it("applies the waitUrl rules to the answer of the <Gather>'s action", async () => {
    const { simulation } = play({ ...line, '/voice/menu': () => '<Dial><Client>anna</Client></Dial>' });

    const [result] = await simulation.run([{ ...caller, waitKeys: [{ after: 1, digits: '1' }] }]);

    expect(result?.ended).toBe('error');
    expect(result?.errors[0]).toContain('verb not allowed in waitUrl');
  });

  it('requests the action of a waitUrl <Gather> without keys only with actionOnEmptyResult', async () => {
    const { simulation, seen } = play({
      ...line,
      '/voice/hold': () => '<Gather action="menu" actionOnEmptyResult="true" numDigits="1" timeout="2"><Say>Hold on</Say></Gather>',
      '/voice/menu': (params) => (params.Digits === '' ? '<Leave/>' : '<Say>Unexpected</Say>'),
    });

    await simulation.run([caller]);

    expect(requests(seen)).toEqual(['/voice/incoming@0', '/voice/hold@0', '/voice/menu@3', '/voice/left@3']);
  });

  it('leaves a caller without waitKeys as before: the greeting keys, none while waiting', async () => {
    const { simulation, seen } = play({
      ...line,
      '/voice/incoming': () => '<Gather action="choice" numDigits="1"><Say>Press 2 for sales</Say></Gather>',
      '/voice/choice': () => '<Enqueue action="left" waitUrl="hold">sales</Enqueue>',
    });

    await simulation.run([{ ...caller, digits: '2', hangUpAfter: 20 }]);

    expect(seen.some((request) => request.path === '/voice/menu')).toBe(false);
    expect(seen.find((request) => request.path === '/voice/choice')?.params.Digits).toBe('2');
  });
});

describe('scenario files: waitKeys', () => {
  const scenario = (waitKeys: unknown) => ({ name: 'n', calls: [{ id: 'c1', to: '+493000000001', waitKeys }] });

  it('accepts entries of after and digits', () => {
    expect(
      scenarioSchema.safeParse(
        scenario([
          { after: 20, digits: '1' },
          { after: 25, digits: '4930123456#' },
        ]),
      ).success,
    ).toBe(true);
  });

  it.each([
    ['an unknown field', [{ after: 20, digits: '1', when: 'now' }]],
    ['no digits', [{ after: 20, digits: '' }]],
    ['letters', [{ after: 20, digits: 'one' }]],
    ['a negative second', [{ after: -1, digits: '1' }]],
    ['an empty list', []],
  ])('refuses %s', (_what, waitKeys) => {
    expect(scenarioSchema.safeParse(scenario(waitKeys)).success).toBe(false);
  });
});
