import { describe, expect, it } from 'vitest';
import { dialTimeoutSeconds, planDial } from '../../functions/twiml/dial-limits.js';
import {
  emptyResponse,
  enqueue,
  forward,
  greetingThenRedirect,
  greetingWithExtensions,
  hangup,
  hold,
  leaveLine,
  messageThenHangup,
  offer,
  voicemail,
} from '../../functions/twiml/responses.js';
import { voiceUrl } from '../../functions/twiml/urls.js';
import { client, member, phone, sip } from '../support/members.js';

const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const en = (text: string) => ({ text, language: 'en-US' });

/** Every kind of answer, as exact TwiML. */
describe('TwiML answers', () => {
  it('a message, then hang up', () => {
    expect(messageThenHangup(en('Sorry.'))).toBe(`${XML}<Response><Say language="en-US">Sorry.</Say><Hangup/></Response>`);
  });

  it('hang up, and the empty answer for callbacks', () => {
    expect(hangup()).toBe(`${XML}<Response><Hangup/></Response>`);
    expect(emptyResponse()).toBe(`${XML}<Response/>`);
  });

  it('a greeting inside a Gather with the no-digits path after it', () => {
    expect(
      greetingWithExtensions({
        greeting: { say: 'Willkommen bei Acme', language: 'de-DE' },
        language: 'en-US',
        numDigits: 3,
        gatherAction: 'extension?g=support',
        noDigitsRedirect: 'group?g=support',
        timeoutSeconds: 3,
      }),
    ).toBe(
      `${XML}<Response><Gather input="dtmf" numDigits="3" timeout="3" action="extension?g=support" method="POST" actionOnEmptyResult="false"><Say language="de-DE">Willkommen bei Acme</Say></Gather><Redirect method="POST">group?g=support</Redirect></Response>`,
    );
  });

  it('an audio greeting, then into the group', () => {
    expect(greetingThenRedirect({ play: 'https://example.com/hello.mp3' }, 'en-US', 'group?g=support')).toBe(
      `${XML}<Response><Play>https://example.com/hello.mp3</Play><Redirect method="POST">group?g=support</Redirect></Response>`,
    );
  });

  it('an offer with every kind of noun and rings x 5 s', () => {
    expect(
      offer({
        nouns: [
          { kind: 'client', identity: 'anna' },
          { kind: 'number', number: '+491709999999' },
        ],
        rings: 4,
        action: 'dial-result?g=support&o=anna',
      }),
    ).toBe(
      `${XML}<Response><Dial action="dial-result?g=support&amp;o=anna" method="POST" timeout="20" timeLimit="14400"><Client>anna</Client><Number>+491709999999</Number></Dial></Response>`,
    );
    expect(
      offer({
        nouns: [{ kind: 'sip', uri: 'sip:clara@acme.sip.twilio.com' }],
        rings: 1,
        action: 'dial-result?g=s',
        before: en('Please hold.'),
      }),
    ).toBe(
      `${XML}<Response><Say language="en-US">Please hold.</Say><Dial action="dial-result?g=s" method="POST" timeout="5" timeLimit="14400"><Sip>sip:clara@acme.sip.twilio.com</Sip></Dial></Response>`,
    );
  });

  it("an offer whose member nouns ask for their legs' answered and completed callbacks", () => {
    expect(
      offer({
        nouns: [
          { kind: 'client', identity: 'anna', member: 'anna' },
          { kind: 'number', number: '+4930', member: 'ben' },
        ],
        rings: 2,
        action: 'dial-result?g=s',
        legCallback: (member) => `leg?m=${member}`,
      }),
    ).toBe(
      `${XML}<Response><Dial action="dial-result?g=s" method="POST" timeout="10" timeLimit="14400"><Client statusCallback="leg?m=anna" statusCallbackMethod="POST" statusCallbackEvent="answered completed">anna</Client><Number statusCallback="leg?m=ben" statusCallbackMethod="POST" statusCallbackEvent="answered completed">+4930</Number></Dial></Response>`,
    );
  });

  it('a waiting line, its hold music with the position, and leaving it', () => {
    expect(enqueue({ queue: 'support', waitUrl: 'line-wait?g=support', action: 'line-left?g=support' })).toBe(
      `${XML}<Response><Enqueue action="line-left?g=support" method="POST" waitUrl="line-wait?g=support" waitUrlMethod="POST">support</Enqueue></Response>`,
    );
    expect(hold({ announcements: [en('You are number 2 in line.')], music: 'https://example.com/hold.mp3' })).toBe(
      `${XML}<Response><Say language="en-US">You are number 2 in line.</Say><Play>https://example.com/hold.mp3</Play></Response>`,
    );
    // With a menu, a key works at any moment: everything is inside the <Gather>.
    expect(hold({ announcements: [en('Press 2.')], music: 'https://example.com/hold.mp3', menuAction: 'line-key?g=support' })).toBe(
      `${XML}<Response><Gather input="dtmf" numDigits="1" timeout="1" action="line-key?g=support" method="POST" actionOnEmptyResult="false"><Say language="en-US">Press 2.</Say><Play>https://example.com/hold.mp3</Play></Gather></Response>`,
    );
    expect(leaveLine()).toBe(`${XML}<Response><Leave/></Response>`);
  });

  it('a forward to an outside number', () => {
    expect(forward({ to: '+4940123456', action: 'forward-result?g=support', timeoutSeconds: 15 })).toBe(
      `${XML}<Response><Dial action="forward-result?g=support" method="POST" timeout="15"><Number>+4940123456</Number></Dial></Response>`,
    );
  });

  it('a voicemail: prompt, Record with the recording callback, and a goodbye if the action is not requested', () => {
    expect(
      voicemail({
        prompt: en('Leave a message.'),
        action: 'voicemail-done',
        recordingStatusCallback: 'https://h.example/voice/recording?g=support',
        noMessage: en('Goodbye.'),
      }),
    ).toBe(
      `${XML}<Response><Say language="en-US">Leave a message.</Say><Record action="voicemail-done" method="POST" maxLength="180" timeout="5" playBeep="true" finishOnKey="#" recordingStatusCallback="https://h.example/voice/recording?g=support" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed"/><Say language="en-US">Goodbye.</Say><Hangup/></Response>`,
    );
  });

  it('relative action URLs with encoded query', () => {
    expect(voiceUrl('dial-result', { g: 'support', o: 'anna,ben' })).toBe('dial-result?g=support&o=anna%2Cben');
    expect(voiceUrl('voicemail-done')).toBe('voicemail-done');
  });
});

/** Twilio's limits on the nouns of one <Dial>, enforced in one place. */
describe('dial limits', () => {
  it("clamps the timeout to Twilio's 5..600 seconds", () => {
    expect([1, 3, 20, 200].map(dialTimeoutSeconds)).toEqual([5, 15, 100, 600]);
  });

  it('puts at most 10 clients in one Dial; the rest wait for the next offer', () => {
    const members = Array.from({ length: 12 }, (_unused, index) => member(`m${index}`));

    const plan = planDial(members);

    expect(plan.members.map((entry) => entry.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(plan.nouns.filter((noun) => noun.kind === 'client')).toHaveLength(10);
  });

  it('puts at most 10 numbers in one Dial, and skips a member who would break the limit for one who fits', () => {
    const phones = Array.from({ length: 9 }, (_unused, index) => member(`p${index}`, { devices: [phone(`+4915100000${index}0`)] }));
    const two = member('two', { devices: [phone('+491510000001'), phone('+491510000002')] });
    const small = member('small', { devices: [client('small')] });

    const plan = planDial([...phones, two, small]);

    expect(plan.members.map((entry) => entry.id)).toEqual([...phones.map((entry) => entry.id), 'small']);
    expect(plan.nouns.filter((noun) => noun.kind === 'number')).toHaveLength(9);
  });

  it('never puts a Sip beside other nouns', () => {
    const plan = planDial([member('anna'), member('clara', { devices: [sip('sip:clara@acme.sip.twilio.com')] }), member('ben')]);

    expect(plan.nouns).toEqual([
      { kind: 'client', identity: 'anna', member: 'anna' },
      { kind: 'client', identity: 'ben', member: 'ben' },
    ]);
  });

  it('rings a member with SIP and other devices on the other devices', () => {
    expect(planDial([member('anna', { devices: [sip('sip:anna@acme.sip.twilio.com'), client('anna')] })]).nouns).toEqual([
      { kind: 'client', identity: 'anna', member: 'anna' },
    ]);
  });
});
