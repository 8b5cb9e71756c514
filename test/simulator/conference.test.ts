import { describe, expect, it } from 'vitest';
import type { CallerScript, TranscriptEvent } from '../../bin/simulator/engine.js';
import { STAND_IN_BASE, standInProject, type Route } from '../support/stand-in-project.js';

const setup = standInProject;

/** A conference as the project's pickup bridge dials it: no beep, either side ends it, silence while alone. */
const BRIDGE = 'beep="false" startConferenceOnEnter="true" endConferenceOnExit="true" waitUrl=""';
const dialRoom = (attrs: string, action: string) =>
  `<Dial action="${action}" timeLimit="14400"><Conference ${attrs}>room-1</Conference></Dial>`;

const caller: CallerScript = { id: 'caller', from: '+15550001111', to: '+493000000001' };
const picker: CallerScript = { id: 'picker', from: '+15550002222', to: '+493000000002' };

function conferenceEvents(events: readonly TranscriptEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === 'conference'
      ? [`${event.at} ${event.call} ${event.event}${event.with === undefined ? '' : ` [${event.with.join(',')}]`}`]
      : [],
  );
}

describe('call simulator: <Dial><Conference>', () => {
  const routes = (attrs = BRIDGE): Record<string, Route> => ({
    '/voice/incoming': (params) => dialRoom(attrs, params.To === '+493000000001' ? 'caller-done' : 'picker-done'),
    '/voice/caller-done': () => '<Hangup/>',
    '/voice/picker-done': () => '<Hangup/>',
    '/voice/wait': () => '<Pause length="10"/>',
  });

  it.each([
    ['the caller arrives first', { caller: 0, picker: 3 }],
    ['the picker arrives first', { caller: 3, picker: 0 }],
  ])('bridges two calls in one named room whichever arrives first: %s', async (_order, delays) => {
    const { simulation, seen } = setup(routes());

    const [callerResult, pickerResult] = await simulation.run([
      { ...caller, conferenceDelay: delays.caller, talkSeconds: 100 },
      { ...picker, conferenceDelay: delays.picker, talkSeconds: 40 },
    ]);

    const first = delays.caller === 0 ? 'caller' : 'picker';
    const second = first === 'caller' ? 'picker' : 'caller';
    expect(conferenceEvents(simulation.events)).toEqual([
      `0 ${first} join []`,
      `3 ${second} join [${first}]`,
      `3 ${first} start [${second}]`,
      `3 ${second} start [${first}]`,
      // The picker talks 40 s, hangs up, and with endConferenceOnExit the conference ends for the caller.
      '43 picker leave',
      '43 picker end',
      '43 caller leave',
    ]);
    expect(callerResult).toMatchObject({ answeredBy: 'picker', answeredAt: 3, talkSeconds: 40, ended: 'hangup', endedAt: 43 });
    expect(pickerResult).toMatchObject({ answeredBy: 'caller', answeredAt: 3, talkSeconds: 40, ended: 'caller-hung-up', endedAt: 43 });
    const actions = seen.filter((request) => request.path.endsWith('-done'));
    expect(
      actions.map((request) => [
        request.path,
        request.at,
        request.params.DialCallStatus,
        request.params.DialCallDuration,
        request.params.CallStatus,
      ]),
    ).toEqual([
      ['/voice/picker-done', 43, 'answered', String(43 - delays.picker), 'completed'],
      ['/voice/caller-done', 43, 'answered', String(43 - delays.caller), 'in-progress'],
    ]);
    expect(seen.filter((request) => !request.signatureValid).map((request) => request.path)).toEqual([]);
    // waitUrl="" is silence: nothing is requested while alone.
    expect(seen.filter((request) => request.path === '/voice/wait')).toEqual([]);
  });

  it('plays the waitUrl to the one who waits alone, requesting it again when its TwiML ends', async () => {
    const { simulation, seen } = setup(routes('waitUrl="wait" endConferenceOnExit="true"'));

    await simulation.run([caller, { ...picker, at: 25, talkSeconds: 10 }]);

    expect(
      seen
        .filter((request) => request.path === '/voice/wait')
        .map((request) => [request.at, request.params.CallSid === seen[0]?.params.CallSid]),
    ).toEqual([
      [0, true],
      [10, true],
      [20, true],
    ]);
    expect(simulation.events.filter((event) => event.type === 'pause' && event.call === 'caller')).toHaveLength(3);
  });

  it("plays Twilio's own hold music when no waitUrl is given", async () => {
    const { simulation } = setup(routes('endConferenceOnExit="true"'));

    await simulation.run([caller, { ...picker, at: 5 }]);

    expect(simulation.events.find((event) => event.type === 'play' && event.call === 'caller')).toMatchObject({
      at: 0,
      url: expect.stringContaining('twimlets.com/holdmusic'),
    });
  });

  it.each(['<Gather action="x"><Say>Press 1</Say></Gather>', '<Hangup/>', '<Record/>', '<Dial>+4930123</Dial>'])(
    'refuses a waitUrl document with a verb Twilio does not allow there: %s',
    async (twiml) => {
      const { simulation } = setup({ ...routes('waitUrl="wait"'), '/voice/wait': () => twiml });

      const [result] = await simulation.run([caller]);

      expect(result?.ended).toBe('error');
      expect(result?.errors[0]).toContain('verb not allowed in conference waitUrl');
    },
  );

  it('keeps the others in the room when someone without endConferenceOnExit leaves', async () => {
    const { simulation, seen } = setup(routes('beep="false" waitUrl=""'));

    const [callerResult] = await simulation.run([
      { ...caller, talkSeconds: 50 },
      { ...picker, at: 2, talkSeconds: 10 },
    ]);

    expect(seen.find((request) => request.path === '/voice/caller-done')).toMatchObject({
      at: 52,
      params: expect.objectContaining({ DialCallStatus: 'answered', DialCallDuration: '52', CallStatus: 'completed' }),
    });
    expect(callerResult?.talkSeconds).toBe(50);
  });

  it('ends the room when the one waiting hangs up; a later arrival finds a new, empty room and waits', async () => {
    const { simulation, seen } = setup(routes());

    const [callerResult, pickerResult] = await simulation.run([
      { ...caller, hangUpAfter: 4 },
      { ...picker, at: 6, hangUpAfter: 30 },
    ]);

    expect(callerResult).toMatchObject({ ended: 'caller-hung-up', endedAt: 4 });
    expect(callerResult?.answeredBy).toBeUndefined();
    expect(seen.find((request) => request.path === '/voice/caller-done')?.params).toMatchObject({
      DialCallStatus: 'answered',
      DialCallDuration: '4',
      CallStatus: 'completed',
    });
    expect(conferenceEvents(simulation.events)).toEqual([
      '0 caller join []',
      '4 caller leave',
      '4 caller end',
      '6 picker join []',
      '36 picker leave',
      '36 picker end',
    ]);
    expect(pickerResult).toMatchObject({ ended: 'caller-hung-up', endedAt: 36 });
  });

  it('ends a stay in a room at the <Dial> timeLimit', async () => {
    const { simulation, seen } = setup({
      ...routes(),
      '/voice/incoming': () => `<Dial action="caller-done" timeLimit="90"><Conference ${BRIDGE}>room-1</Conference></Dial>`,
    });

    const [result] = await simulation.run([caller]);

    expect(seen.find((request) => request.path === '/voice/caller-done')).toMatchObject({
      at: 90,
      params: expect.objectContaining({ DialCallStatus: 'answered', DialCallDuration: '90' }),
    });
    expect(result).toMatchObject({ ended: 'hangup', endedAt: 90 });
  });
});

describe('call simulator: arrival order at a bridge', () => {
  it('posts an error status to the action of a <Dial><Queue> whose queue nobody has entered yet', async () => {
    const { simulation, seen } = setup({
      '/voice/incoming': () => '<Dial action="result"><Queue>pickup-1</Queue></Dial>',
      '/voice/result': () => '<Hangup/>',
    });

    await simulation.run([caller]);

    expect(seen.find((request) => request.path === '/voice/result')).toMatchObject({
      at: 0,
      params: expect.objectContaining({ DialCallStatus: 'failed' }),
    });
  });

  it('lets a REST redirect reach a call after its redirectDelay; meanwhile the call goes on', async () => {
    let firstSid = '';
    const { simulation, seen } = setup({
      '/voice/incoming': (params) => {
        if (params.To === caller.to) {
          firstSid = params.CallSid ?? '';
          return '<Pause length="100"/>';
        }
        simulation.redirectCall(firstSid, { url: `${STAND_IN_BASE}/voice/moved` });
        return '<Hangup/>';
      },
      '/voice/moved': () => '<Say>moved</Say>',
    });

    const [first] = await simulation.run([
      { ...caller, redirectDelay: 3 },
      { ...picker, at: 5 },
    ]);

    expect(seen.filter((request) => request.params.CallSid === first?.sid).map((request) => `${request.path}@${request.at}`)).toEqual([
      '/voice/incoming@0',
      '/voice/moved@8',
      '/voice/status@9',
    ]);
  });

  it('connects a late arrival in a conference under way at once', async () => {
    const { simulation } = setup({
      '/voice/incoming': () => dialRoom('beep="false" waitUrl=""', 'done'),
      '/voice/done': () => '<Hangup/>',
    });

    const [, , third] = await simulation.run([
      { ...caller, talkSeconds: 50 },
      { ...picker, at: 1, talkSeconds: 50 },
      { ...caller, id: 'third', from: '+15550003333', at: 10, talkSeconds: 5 },
    ]);

    expect(third).toMatchObject({ answeredBy: 'caller', answeredAt: 10, talkSeconds: 5 });
  });
});
