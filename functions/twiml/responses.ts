import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Greeting } from '../commons/schemas.js';
import { CONFIRM_KEY, CONFIRM_TIMEOUT_SECONDS, MAX_CALL_SECONDS } from '../twilio/vocabulary.js';
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

/**
 * One offer: a <Dial> ringing the given nouns for rings x 5 seconds; `action` learns how it ended.
 * Each noun of a member asks for its leg's answered/completed callbacks (`legCallback`), which is how
 * the member's busy mark is kept (SPEC section 5); `timeLimit` bounds the call that mark may cover.
 */
export function offer(options: {
  nouns: readonly DialNoun[];
  rings: number;
  action: string;
  before?: Prompt | undefined;
  legCallback?: ((member: string) => string) | undefined;
  /** The number the members' phones show: needed when a member's own call rings a phone (SPEC section 9). */
  callerId?: string | undefined;
  /** What a noun's answered leg hears before the bridge (its `url`), if anything (SPEC section 15). */
  screening?: ((noun: DialNoun) => LegScreening | undefined) | undefined;
}): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  const dial = response.dial({
    action: options.action,
    method: 'POST',
    timeout: dialTimeoutSeconds(options.rings),
    timeLimit: MAX_CALL_SECONDS,
    // Twilio's typings take no undefined under exactOptionalPropertyTypes: the attribute only when set.
    ...(options.callerId === undefined ? {} : { callerId: options.callerId }),
  });
  for (const noun of options.nouns) {
    const screening = options.screening?.(noun);
    // A leg that must confirm reports nothing by itself: its answer counts only with a 1, which
    // leg-confirm records, and its end is the <Dial>'s (a declined leg's `completed` would read as answered).
    const callbacks =
      noun.member === undefined || options.legCallback === undefined || screening?.confirm === true
        ? { ...(screening === undefined ? {} : { url: screening.url, method: 'POST' as const }) }
        : {
            ...(screening === undefined ? {} : { url: screening.url, method: 'POST' as const }),
            statusCallback: options.legCallback(noun.member),
            statusCallbackMethod: 'POST' as const,
            statusCallbackEvent: ['answered' as const, 'completed' as const],
          };
    switch (noun.kind) {
      case 'client':
        dial.client(callbacks, noun.identity);
        break;
      case 'number':
        dial.number(callbacks, noun.number);
        break;
      case 'sip':
        dial.sip(callbacks, noun.uri);
        break;
      default:
        noun satisfies never;
    }
  }
  return response.toString();
}

/** forward-to-mobile and forward-to-number: one <Dial> to an outside number (screened: its `url`). */
export function forward(options: {
  to: string;
  action: string;
  timeoutSeconds: number;
  before?: Prompt | undefined;
  screening?: LegScreening | undefined;
}): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  response
    .dial({ action: options.action, method: 'POST', timeout: options.timeoutSeconds })
    .number(options.screening === undefined ? {} : { url: options.screening.url, method: 'POST' }, options.to);
  return response.toString();
}

/** An answered leg's `url` document, and whether it asks for a 1 (then the leg reports nothing by itself). */
export type LegScreening = { readonly url: string; readonly confirm: boolean };

/**
 * The `url` document of an answered leg (https://www.twilio.com/docs/voice/twiml/number#url), run on
 * the member before the bridge: the whisper, then, when a 1 is asked for, the question in a one-key
 * <Gather> whose action learns the key, or that none came (`actionOnEmptyResult`); the <Hangup/> after
 * it is for the reading in which no action is requested without a key. Without a question the
 * document ends after the whisper and Twilio bridges the call.
 */
export function screenLeg(options: { whisper?: Prompt | undefined; question?: Prompt | undefined; action: string }): string {
  const response = new VoiceResponse();
  if (options.whisper !== undefined) say(response, options.whisper);
  if (options.question !== undefined) {
    const gather = response.gather({
      input: ['dtmf'],
      numDigits: CONFIRM_KEY.length,
      timeout: CONFIRM_TIMEOUT_SECONDS,
      action: options.action,
      method: 'POST',
      actionOnEmptyResult: true,
    });
    say(gather, options.question);
    response.hangup();
  }
  return response.toString();
}

/** Maximum length of a voicemail; a caller who talks longer is cut off politely. */
export const VOICEMAIL_MAX_SECONDS = 180;

/**
 * A prompt, a beep, a <Record>. The verbs after <Record> run only when Twilio does not request the
 * action (an empty recording, per one reading of the docs), so the caller still hears a goodbye.
 */
export function voicemail(options: {
  prompt: Prompt;
  before?: Prompt | undefined;
  action: string;
  recordingStatusCallback: string;
  noMessage: Prompt;
}): string {
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

/**
 * Join the group's waiting line: <Enqueue> into a queue named after the group. The hold music comes
 * from `waitUrl`, requested again whenever its TwiML ends; `action` learns how the wait ended.
 */
export function enqueue(options: { queue: string; waitUrl: string; action: string; before?: Prompt | undefined }): string {
  const response = new VoiceResponse();
  if (options.before !== undefined) say(response, options.before);
  response.enqueue({ action: options.action, method: 'POST', waitUrl: options.waitUrl, waitUrlMethod: 'POST' }, options.queue);
  return response.toString();
}

/**
 * The hold TwiML of the waitUrl: the announcements (position, estimated wait, the menu's keys), then
 * the hold music. With a menu (SPEC 16) all of it is inside a <Gather>, so a key works at any moment
 * of the wait: a waitUrl document may contain <Gather> (https://www.twilio.com/docs/voice/twiml/enqueue#waiturl).
 * Without a key the <Gather> ends and so does the document, and Twilio asks for the waitUrl again.
 */
export function hold(options: { announcements?: readonly Prompt[]; music: string; menuAction?: string }): string {
  const response = new VoiceResponse();
  const target =
    options.menuAction === undefined
      ? response
      : response.gather({
          input: ['dtmf'],
          numDigits: 1,
          timeout: 1,
          action: options.menuAction,
          method: 'POST',
          actionOnEmptyResult: false,
        });
  for (const announcement of options.announcements ?? []) say(target, announcement);
  target.play({}, options.music);
  return response.toString();
}

/** Leave the waiting line now; the <Enqueue> action says what comes next. */
export function leaveLine(): string {
  const response = new VoiceResponse();
  response.leave();
  return response.toString();
}

/**
 * One side of a pickup bridge (SPEC section 8): the caller and the picker each dial the same named
 * conference, so they meet whichever arrives first (a <Dial><Queue> to a queue the caller has not
 * joined yet would fail). Either leaving ends it for the other (`endConferenceOnExit`); no beeps; the
 * one who waits hears silence (`waitUrl=""`); `action` learns when this side's leg ended.
 */
export function joinPickupConference(options: { name: string; action: string }): string {
  const response = new VoiceResponse();
  response
    .dial({ action: options.action, method: 'POST', timeLimit: MAX_CALL_SECONDS })
    .conference({ beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: true, waitUrl: '' }, options.name);
  return response.toString();
}

/**
 * A question answered with keys (SPEC 16, the callback's number): the prompt inside a <Gather>; no key
 * falls through to the end of the document (in a queue's wait: the hold music again).
 */
export function askForKeys(options: {
  question: Prompt;
  action: string;
  numDigits?: number;
  finishOnKey?: string;
  timeoutSeconds: number;
}): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ['dtmf'],
    ...(options.numDigits === undefined ? {} : { numDigits: options.numDigits }),
    ...(options.finishOnKey === undefined ? {} : { finishOnKey: options.finishOnKey }),
    timeout: options.timeoutSeconds,
    action: options.action,
    method: 'POST',
    actionOnEmptyResult: false,
  });
  say(gather, options.question);
  return response.toString();
}

/**
 * A callback's member side (SPEC 16): the member hears whom they call back, then the caller's number
 * is dialled with the group's number as caller ID; the <Dial> action learns whether it was answered.
 */
export function callbackBridge(options: {
  whisper: Prompt;
  callerId: string;
  number: string;
  action: string;
  timeoutSeconds: number;
}): string {
  const response = new VoiceResponse();
  say(response, options.whisper);
  response
    .dial({
      callerId: options.callerId,
      action: options.action,
      method: 'POST',
      timeout: options.timeoutSeconds,
      timeLimit: MAX_CALL_SECONDS,
    })
    .number({}, options.number);
  return response.toString();
}
