import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { parseBehaviourText } from '../../bin/simulator/behaviours.js';
import { Simulation, type Behaviours, type SimulationOptions, type Transport } from '../../bin/simulator/engine.js';

const TOKEN = 'simulator-test-token';
const BASE = 'https://project.example';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

type Seen = { path: string; params: Record<string, string>; signatureValid: boolean };

/** A stand-in project answering TwiML per path. */
function setup(
  routes: Record<string, (params: Record<string, string>) => string>,
  options: Partial<SimulationOptions> & { devices?: Behaviours } = {},
) {
  const seen: Seen[] = [];
  const transport: Transport = ({ url, params, signature }) => {
    const target = new URL(url);
    seen.push({ path: target.pathname, params, signatureValid: validateRequest(TOKEN, signature, url, params) });
    const route = routes[target.pathname];
    return Promise.resolve({ status: 200, body: `${XML}<Response>${route === undefined ? '' : route(params)}</Response>` });
  };
  const simulation = new Simulation({ baseUrl: BASE, authToken: TOKEN, transport, statusCallbackPath: null, ...options });
  return { simulation, seen };
}

const caller = { id: 'c1', from: '+15550001111', to: '+493000000001' };
const ASK =
  '<Say>Call for Support.</Say><Gather numDigits="1" action="confirm" actionOnEmptyResult="true"><Say>Press 1.</Say></Gather><Hangup/>';
const confirm = (params: Record<string, string>) => (params.Digits === '1' ? '' : '<Hangup/>');

/** A noun's url document on the answered leg (https://www.twilio.com/docs/voice/twiml/number#url). */
describe('call simulator: the answered leg', () => {
  it('runs the url document on the answered leg with its own CallSid, and bridges when a 1 ends it', async () => {
    const { simulation, seen } = setup(
      {
        '/voice/incoming': () => '<Dial action="result"><Number url="ask">+491710000001</Number></Dial>',
        '/voice/ask': () => ASK,
        '/voice/confirm': confirm,
      },
      { devices: { '+491710000001': 'answer' } },
    );

    const [result] = await simulation.run([caller]);

    expect(result?.answeredBy).toBe('+491710000001');
    const ask = seen.find((request) => request.path === '/voice/ask');
    expect(ask?.params).toMatchObject({
      ParentCallSid: result?.sid,
      Direction: 'outbound-dial',
      To: '+491710000001',
      CallStatus: 'in-progress',
    });
    expect(ask?.params.CallSid).not.toBe(result?.sid);
    expect(seen.find((request) => request.path === '/voice/confirm')?.params.Digits).toBe('1');
    expect(seen.every((request) => request.signatureValid)).toBe(true);
  });

  it('a voicemail box presses nothing: the leg is hung up and the <Dial> ends not bridged', async () => {
    const { simulation, seen } = setup(
      {
        '/voice/incoming': () => '<Dial action="result"><Number url="ask">+491710000001</Number></Dial>',
        '/voice/ask': () => ASK,
        '/voice/confirm': confirm,
      },
      { devices: { '+491710000001': 'voicemail-box' } },
    );

    const [result] = await simulation.run([caller]);

    expect(result?.answeredBy).toBeUndefined();
    expect(seen.find((request) => request.path === '/voice/confirm')?.params.Digits).toBe('');
    expect(seen.find((request) => request.path === '/voice/result')?.params).toMatchObject({
      DialCallStatus: 'completed',
      DialBridged: 'false',
    });
    expect(simulation.events.filter((event) => event.type === 'screen').map((event) => event.type === 'screen' && event.what)).toEqual([
      'hears',
      'hears',
      'no-key',
      'declined',
    ]);
  });

  it("plays the reading in which a declined leg ends the <Dial> with 'no-answer'", async () => {
    const { simulation, seen } = setup(
      {
        '/voice/incoming': () => '<Dial action="result"><Number url="ask">+491710000001</Number></Dial>',
        '/voice/ask': () => ASK,
        '/voice/confirm': confirm,
      },
      { devices: { '+491710000001': 'voicemail-box' }, declinedDialStatus: 'no-answer' },
    );

    await simulation.run([caller]);

    expect(seen.find((request) => request.path === '/voice/result')?.params).toMatchObject({
      DialCallStatus: 'no-answer',
      DialBridged: 'false',
    });
  });

  it.each([
    ['at-answer', ['answered', 'canceled']],
    ['at-bridge', ['answered', 'answered']],
  ] as const)('the other nouns stop ringing %s', async (othersCanceled, outcomes) => {
    const { simulation } = setup(
      {
        '/voice/incoming': () => '<Dial action="result"><Number url="ask">+491710000001</Number><Client>anna</Client></Dial>',
        '/voice/ask': () => ASK,
        '/voice/confirm': confirm,
      },
      { devices: { '+491710000001': 'voicemail-box', anna: { answerAfter: 6 } }, othersCanceled },
    );

    const [result] = await simulation.run([caller]);

    const devices = simulation.events.filter((event) => event.type === 'device').map((event) => event.type === 'device' && event.outcome);
    expect(devices.slice(0, 2)).toEqual(outcomes);
    expect(result?.answeredBy).toBe(othersCanceled === 'at-bridge' ? 'anna' : undefined);
  });

  it('follows a Redirect in the url document, and refuses a Dial there', async () => {
    const redirected = setup(
      {
        '/voice/incoming': () => '<Dial><Client url="ask">anna</Client></Dial>',
        '/voice/ask': () => '<Redirect>more</Redirect>',
        '/voice/more': () => '<Say>Hi</Say>',
      },
      { devices: { anna: 'answer' } },
    );
    const [bridged] = await redirected.simulation.run([caller]);
    expect(bridged?.answeredBy).toBe('anna');

    const refused = setup(
      { '/voice/incoming': () => '<Dial><Client url="ask">anna</Client></Dial>', '/voice/ask': () => '<Dial>+4930</Dial>' },
      { devices: { anna: 'answer' } },
    );
    const [failed] = await refused.simulation.run([caller]);
    expect(failed?.errors.join()).toContain('verb not allowed in a url document');
  });

  it('a member presses the keys their behaviour names', async () => {
    const { simulation, seen } = setup(
      { '/voice/incoming': () => '<Dial><Client url="ask">anna</Client></Dial>', '/voice/ask': () => ASK, '/voice/confirm': confirm },
      { devices: { anna: { answerAfter: 1, keys: '2' } } },
    );
    const [result] = await simulation.run([caller]);
    expect(seen.find((request) => request.path === '/voice/confirm')?.params.Digits).toBe('2');
    expect(result?.answeredBy).toBeUndefined();
  });

  it('parses behaviours as the command line writes them', () => {
    expect(parseBehaviourText('voicemail-box')).toEqual({ ok: true, behaviour: 'voicemail-box' });
    expect(parseBehaviourText('answer:3:20')).toEqual({ ok: true, behaviour: { answerAfter: 3, hangUpAfter: 20 } });
    expect(parseBehaviourText('maybe').ok).toBe(false);
  });
});
