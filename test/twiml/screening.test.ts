import { describe, expect, it } from 'vitest';
import { parseTwiml } from '../../bin/simulator/twiml.js';
import { legPrompts } from '../../functions/twiml/leg-prompts.js';
import { screeningQuery } from '../../functions/twiml/queries.js';
import { forward, offer, screenLeg } from '../../functions/twiml/responses.js';

const XML = '<?xml version="1.0" encoding="UTF-8"?>';

/** SPEC section 15: what an answered leg hears before the bridge, as exact and valid TwiML. */
describe('the answered leg', () => {
  const prompts = (language: string, whisper: 'off' | 'group' | 'group-and-caller', confirm: boolean) =>
    legPrompts({ language }, { groupName: 'Support', caller: '+4930123456', whisper, confirm });

  it('whisper: the group, then the bridge (the document just ends)', () => {
    const { whisper, question } = prompts('en-US', 'group', false);
    const twiml = screenLeg({ whisper, question, action: 'leg-confirm?g=support' });
    expect(twiml).toBe(`${XML}<Response><Say language="en-US">Call for Support.</Say></Response>`);
    expect(parseTwiml(twiml).map((verb) => verb.name)).toEqual(['Say']);
  });

  it('whisper: the group and the caller', () => {
    const { whisper } = prompts('en-GB', 'group-and-caller', false);
    expect(whisper).toEqual({ text: 'Call for Support from +4930123456.', language: 'en-GB' });
  });

  it('confirmation: whom the call is for and from whom, then a one-key Gather; no key hangs up', () => {
    const { whisper, question } = prompts('en-US', 'off', true);
    const twiml = screenLeg({ whisper, question, action: 'leg-confirm?g=support&m=pia' });
    expect(twiml).toBe(
      `${XML}<Response><Say language="en-US">Call for Support from +4930123456.</Say>` +
        '<Gather input="dtmf" numDigits="1" timeout="5" action="leg-confirm?g=support&amp;m=pia" method="POST" actionOnEmptyResult="true">' +
        '<Say language="en-US">Press 1 to accept.</Say></Gather><Hangup/></Response>',
    );
    expect(parseTwiml(twiml).map((verb) => verb.name)).toEqual(['Say', 'Gather', 'Hangup']);
  });

  it.each([
    ['de-DE', 'Anruf für Support von +4930123456.', 'Drücken Sie die 1, um anzunehmen.'],
    ['fr-FR', 'Appel pour Support de +4930123456.', 'Appuyez sur 1 pour accepter.'],
    ['es-ES', 'Llamada para Support de +4930123456.', 'Pulse 1 para aceptar.'],
    ['pl-PL', 'Call for Support from +4930123456.', 'Press 1 to accept.'],
  ])('speaks %s like the built-in prompts (an unknown language in English)', (language, said, asked) => {
    const { whisper, question } = prompts(language, 'off', true);
    expect([whisper?.text, question?.text]).toEqual([said, asked]);
    expect(question?.language).toBe(language === 'pl-PL' ? 'en-US' : language);
  });

  it('names only the group for a caller without a number', () => {
    const { whisper } = legPrompts(
      { language: 'en-US' },
      { groupName: 'Support', caller: undefined, whisper: 'group-and-caller', confirm: true },
    );
    expect(whisper?.text).toBe('Call for Support.');
  });

  it('carries everything the routes need in the query, and reads it back', () => {
    const value = {
      group: 'support',
      groupName: 'Front desk & co',
      caller: '+4930123456',
      language: 'de-DE',
      confirm: true,
      whisper: 'group' as const,
      member: 'pia',
      parent: 'CA0123456789abcdef0123456789abcdef',
    };
    expect(screeningQuery.decode(screeningQuery.encode(value))).toEqual(value);
    expect(screeningQuery.decode({})).toEqual({
      group: undefined,
      groupName: '',
      caller: undefined,
      language: 'en-US',
      confirm: false,
      whisper: 'off',
      member: undefined,
      parent: undefined,
    });
  });

  it('an offer gives a screened noun its url; a noun that must confirm asks for no leg callbacks', () => {
    const twiml = offer({
      nouns: [
        { kind: 'client', identity: 'anna', member: 'anna' },
        { kind: 'number', number: '+491710000001', member: 'pia' },
      ],
      rings: 3,
      action: 'dial-result?g=support',
      legCallback: (member) => `leg?m=${member}`,
      screening: (noun) => (noun.kind === 'number' ? { url: 'leg-ask?k=1', confirm: true } : { url: 'leg-ask?w=group', confirm: false }),
    });
    expect(twiml).toBe(
      `${XML}<Response><Dial action="dial-result?g=support" method="POST" timeout="15" timeLimit="14400">` +
        '<Client url="leg-ask?w=group" method="POST" statusCallback="leg?m=anna" statusCallbackMethod="POST" statusCallbackEvent="answered completed">anna</Client>' +
        '<Number url="leg-ask?k=1" method="POST">+491710000001</Number></Dial></Response>',
    );
    parseTwiml(twiml);
  });

  it('a forward gives its number the url', () => {
    const twiml = forward({
      to: '+491712222222',
      action: 'forward-result?g=support',
      timeoutSeconds: 15,
      screening: { url: 'leg-ask?k=1', confirm: true },
    });
    expect(twiml).toBe(
      `${XML}<Response><Dial action="forward-result?g=support" method="POST" timeout="15"><Number url="leg-ask?k=1" method="POST">+491712222222</Number></Dial></Response>`,
    );
    parseTwiml(twiml);
  });
});
