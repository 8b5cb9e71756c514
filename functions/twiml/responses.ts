import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Greeting } from '../commons/schemas.js';
import { dialTimeoutSeconds, type DialNoun } from './dial-limits.js';
import type { Prompt } from './prompts.js';

/**
 * Every kind of answer the voice webhooks give, as TwiML built by twilio's VoiceResponse. Each
 * function takes a decision already made and only renders it.
 */

/**
 * Twilio's typed list of <Say> languages is narrower than what its voices speak; the admin API checks
 * that a language is a well-formed tag, and the type is narrowed here, in one place.
 */
type SayLanguage = NonNullable<Exclude<Parameters<VoiceResponse['say']>[0], string>['language']>;

function say(target: { say: VoiceResponse['say'] }, { text, language }: Prompt): void {
  target.say({ language: language as SayLanguage }, text);
}

function playGreeting(target: { say: VoiceResponse['say']; play: VoiceResponse['play'] }, greeting: Greeting, language: string): void {
  if ('play' in greeting) target.play({}, greeting.play);
  else say(target, { text: greeting.say, language: greeting.language ?? language });
}

/** A short message, then the call ends (unknown number, number without a group). */
export function messageThenHangup(message: Prompt): string {
  const response = new VoiceResponse();
  say(response, message);
  response.hangup();
  return response.toString();
}

export function hangup(): string {
  const response = new VoiceResponse();
  response.hangup();
  return response.toString();
}

/** An empty answer for status and recording callbacks, where Twilio ignores the body. */
export function emptyResponse(): string {
  return new VoiceResponse().toString();
}

/**
 * The greeting inside a <Gather>, so digits count only while it plays and for `timeoutSeconds` after;
 * with no digits the document goes on to the redirect into the number's group.
 */
export function greetingWithExtensions(options: {
  greeting: Greeting;
  language: string;
  numDigits: number;
  gatherAction: string;
  noDigitsRedirect: string;
  timeoutSeconds: number;
}): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ['dtmf'],
    numDigits: options.numDigits,
    timeout: options.timeoutSeconds,
    action: options.gatherAction,
    method: 'POST',
    actionOnEmptyResult: false,
  });
  playGreeting(gather, options.greeting, options.language);
  response.redirect({ method: 'POST' }, options.noDigitsRedirect);
  return response.toString();
}

/** The greeting, then on into the group. */
export function greetingThenRedirect(greeting: Greeting, language: string, redirect: string): string {
  const response = new VoiceResponse();
  playGreeting(response, greeting, language);
  response.redirect({ method: 'POST' }, redirect);
  return response.toString();
}

/** One offer: a <Dial> ringing the given nouns for rings x 5 seconds; `action` learns how it ended. */
export function offer(options: { nouns: readonly DialNoun[]; rings: number; action: string; before?: Prompt }): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  const dial = response.dial({ action: options.action, method: 'POST', timeout: dialTimeoutSeconds(options.rings) });
  for (const noun of options.nouns) {
    switch (noun.kind) {
      case 'client':
        dial.client({}, noun.identity);
        break;
      case 'number':
        dial.number({}, noun.number);
        break;
      case 'sip':
        dial.sip({}, noun.uri);
        break;
      default:
        noun satisfies never;
    }
  }
  return response.toString();
}

/** forward-to-mobile and forward-to-number: one <Dial> to an outside number. */
export function forward(options: { to: string; action: string; timeoutSeconds: number; before?: Prompt }): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  response.dial({ action: options.action, method: 'POST', timeout: options.timeoutSeconds }).number({}, options.to);
  return response.toString();
}

/** Maximum length of a voicemail; a caller who talks longer is cut off politely. */
export const VOICEMAIL_MAX_SECONDS = 180;

/**
 * A prompt, a beep, a <Record>. The verbs after <Record> run only when Twilio does not request the
 * action (an empty recording, per one reading of the docs), so the caller still hears a goodbye.
 */
export function voicemail(options: { prompt: Prompt; before?: Prompt; action: string; recordingStatusCallback: string; noMessage: Prompt }): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  say(response, options.prompt);
  response.record({
    action: options.action,
    method: 'POST',
    maxLength: VOICEMAIL_MAX_SECONDS,
    timeout: 5,
    playBeep: true,
    finishOnKey: '#',
    recordingStatusCallback: options.recordingStatusCallback,
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed'],
  });
  say(response, options.noMessage);
  response.hangup();
  return response.toString();
}
