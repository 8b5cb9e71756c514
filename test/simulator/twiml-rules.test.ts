import { describe, expect, it } from 'vitest';
import { Simulation, type Transport } from '../../bin/simulator/engine.js';
import { parseTwiml, TwimlRuleError } from '../../bin/simulator/twiml.js';
import { joinPickupConference } from '../../functions/twiml/responses.js';

const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const clients = (count: number): string => Array.from({ length: count }, (_unused, index) => `<Client>c${index}</Client>`).join('');
const numbers = (count: number): string =>
  Array.from({ length: count }, (_unused, index) => `<Number>+4930000000${String(index).padStart(2, '0')}</Number>`).join('');

/** Each rule whose breach makes Twilio reject a document, and the name the simulator gives it. */
const breaches: [string, string, string][] = [
  ['an unknown verb', '<Response><Ring/></Response>', 'unknown verb'],
  ['an unknown attribute', '<Response><Say colour="blue">Hi</Say></Response>', 'unknown attribute'],
  ['a bad attribute value', '<Response><Dial method="PUT"><Client>a</Client></Dial></Response>', 'bad attribute value'],
  ['a Dial timeout below 5', '<Response><Dial timeout="4"><Client>a</Client></Dial></Response>', 'bad attribute value'],
  ['a Dial timeout above 600', '<Response><Dial timeout="601"><Client>a</Client></Dial></Response>', 'bad attribute value'],
  ['11 Client nouns', `<Response><Dial>${clients(11)}</Dial></Response>`, 'at most 10 <Client> per <Dial>'],
  ['11 Number nouns', `<Response><Dial>${numbers(11)}</Dial></Response>`, 'at most 10 <Number> per <Dial>'],
  [
    'a Sip beside another noun',
    '<Response><Dial><Sip>sip:a@b.sip.twilio.com</Sip><Client>a</Client></Dial></Response>',
    '<Sip> may not share a <Dial>',
  ],
  ['a Gather without action', '<Response><Gather numDigits="3"><Say>Hi</Say></Gather></Response>', 'Gather without action'],
  ['a Dial nested in a Gather', '<Response><Gather action="x"><Dial>+4930</Dial></Gather></Response>', 'bad nesting'],
  ['a document that is not TwiML', '<html><body>Oops</body></html>', 'no <Response>'],
  [
    'a bad status callback event',
    '<Response><Dial><Client statusCallbackEvent="ringing done" statusCallback="s">a</Client></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference beside another noun',
    '<Response><Dial><Conference>room</Conference><Client>a</Client></Dial></Response>',
    '<Conference> may not share a <Dial>',
  ],
  ['a Conference without a name', '<Response><Dial><Conference beep="false"></Conference></Dial></Response>', 'bad noun'],
  ['an unknown Conference attribute', '<Response><Dial><Conference waitURL="">room</Conference></Dial></Response>', 'unknown attribute'],
  [
    'a Conference endConferenceOnExit that is not true or false (13231)',
    '<Response><Dial><Conference endConferenceOnExit="yes">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference startConferenceOnEnter that is not true or false (13232)',
    '<Response><Dial><Conference startConferenceOnEnter="1">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference beep that is not true, false, onEnter or onExit',
    '<Response><Dial><Conference beep="never">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference waitUrl that is neither a URL nor empty (13233)',
    '<Response><Dial><Conference waitUrl="hold music">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference waitMethod other than GET or POST',
    '<Response><Dial><Conference waitMethod="PUT">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference status callback event it does not have',
    '<Response><Dial><Conference statusCallback="s" statusCallbackEvent="start ringing">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
  [
    'a Conference of one participant at most',
    '<Response><Dial><Conference maxParticipants="1">room</Conference></Dial></Response>',
    'bad attribute value',
  ],
];

describe('TwiML rules', () => {
  it.each(breaches)('refuses %s, naming the rule', (_what, twiml, rule) => {
    let thrown: unknown;
    try {
      parseTwiml(`${XML}${twiml}`);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(TwimlRuleError);
    expect((thrown as TwimlRuleError).rule).toBe(rule);
    expect((thrown as Error).message).toContain(rule);
  });

  it('accepts what the project sends: 10 clients and 10 numbers, a lone Sip, a Gather with action', () => {
    expect(parseTwiml(`${XML}<Response><Dial timeout="600" action="x">${clients(10)}${numbers(10)}</Dial></Response>`)).toHaveLength(1);
    expect(parseTwiml(`${XML}<Response><Dial timeout="5"><Sip>sip:a@b.sip.twilio.com</Sip></Dial></Response>`)).toHaveLength(1);
    expect(
      parseTwiml(
        `${XML}<Response><Gather action="extension" numDigits="3" timeout="3"><Say language="de-DE">Hallo</Say></Gather><Redirect>group</Redirect></Response>`,
      ),
    ).toHaveLength(2);
  });

  it('accepts the pickup bridge: a Conference alone in its Dial, with a waitUrl that is empty or a URL', () => {
    const bridge = joinPickupConference({ name: `pickup-CA${'a'.repeat(32)}`, action: 'pickup-result?c=CA1' });

    const verbs = parseTwiml(bridge);
    expect(verbs.map((verb) => verb.name)).toEqual(['Dial']);
    expect(verbs[0]?.children).toEqual([
      expect.objectContaining({
        name: 'Conference',
        attrs: expect.objectContaining({ beep: 'false', startConferenceOnEnter: 'true', endConferenceOnExit: 'true', waitUrl: '' }),
      }),
    ]);
    expect(
      parseTwiml(
        `${XML}<Response><Dial><Conference waitUrl="hold?x=1" waitMethod="GET" beep="onEnter" statusCallback="s" statusCallbackEvent="start end join leave">room</Conference></Dial></Response>`,
      ),
    ).toHaveLength(1);
  });

  it.each(breaches)('fails a simulated call whose project answers with %s, naming the rule', async (_what, twiml, rule) => {
    const project: Transport = async () => ({ status: 200, body: `${XML}${twiml}` });
    const simulation = new Simulation({ baseUrl: 'https://project.example', authToken: 't', transport: project, statusCallbackPath: null });

    const [result] = await simulation.run([{ id: 'c1', from: '+15550001111', to: '+493000000001' }]);

    expect(result?.ended).toBe('error');
    expect(result?.errors[0]).toContain(rule);
    expect(simulation.events.find((event) => event.type === 'error')).toMatchObject({ rule });
  });

  it('fails a call whose webhook answers with an HTTP error, as Twilio would play its application error', async () => {
    const project: Transport = async () => ({ status: 500, body: 'Internal Server Error' });
    const simulation = new Simulation({ baseUrl: 'https://project.example', authToken: 't', transport: project, statusCallbackPath: null });

    const [result] = await simulation.run([{ id: 'c1', from: '+15550001111', to: '+493000000001' }]);

    expect(result?.errors).toEqual([
      'https://project.example/voice/incoming answered HTTP 500: Twilio would play its application error (11200)',
    ]);
  });
});
