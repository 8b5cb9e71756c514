import type { SimCall } from '../call.js';
import { TwimlRuleError, type TwimlElement } from '../twiml.js';
import { keysOf } from '../ringing.js';
import type { DeviceBehaviour } from '../types.js';
import { methodOf } from '../webhooks.js';
import { mediaSeconds } from './media.js';
import type { Resolve, VerbContext } from './verb.js';

/**
 * A noun's `url` document, played on the answered leg before the bridge
 * (https://www.twilio.com/docs/voice/twiml/number#url): the device hears <Say>/<Play>/<Pause>, may
 * press keys in a <Gather>, and is hung up by <Hangup>/<Reject>; when the document runs out, Twilio
 * bridges the leg to the caller. <Redirect> and the <Gather> action move to another document. A
 * voicemail box (`voicemail-box`, or `keys: ""`) listens and never presses a key.
 */

export type Screened = 'accepted' | 'declined';

/** Seconds into a <Gather> at which a member presses their key (the key stops the prompt). */
const PRESS_AFTER_SECONDS = 1;
/** A document that keeps redirecting is a loop: Twilio would end the leg. */
const MAX_DOCUMENTS = 20;

type ScreenedLeg = { noun: TwimlElement; sid: string; member: string | undefined; behaviour: DeviceBehaviour };

export async function playScreening(context: VerbContext, call: SimCall, leg: ScreenedLeg, resolve: Resolve): Promise<Screened> {
  const params = {
    CallSid: leg.sid,
    ParentCallSid: call.sid,
    CallStatus: 'in-progress',
    Direction: 'outbound-dial',
    To: leg.noun.text,
    Called: leg.noun.text,
  };
  const log = (what: 'hears' | 'pressed' | 'no-key' | 'accepted' | 'declined', text?: string): void =>
    context.log(call, {
      type: 'screen',
      noun: leg.noun.text,
      ...(leg.member === undefined ? {} : { member: leg.member }),
      what,
      ...(text === undefined ? {} : { text }),
    });
  const fetch = async (url: string, method: string | undefined, extra: Record<string, string> = {}) => ({
    verbs: await context.webhooks.fetchTwiml(call, url, methodOf(method), { ...params, ...extra }),
    url,
  });
  let document = await fetch(resolve(leg.noun.attrs.url ?? ''), leg.noun.attrs.method);
  for (let documents = 1; documents <= MAX_DOCUMENTS; documents += 1) {
    const here = (relative: string): string => new URL(relative, document.url).toString();
    let moved: typeof document | undefined;
    for (const verb of document.verbs) {
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          if (verb.name === 'Say') log('hears', verb.text);
          await context.clock.sleep(mediaSeconds(verb, context.options.playSeconds));
          continue;
        case 'Gather': {
          const keys = keysOf(leg.behaviour);
          const numDigits = verb.attrs.numDigits === undefined ? undefined : Number(verb.attrs.numDigits);
          const digits = keys === '' ? undefined : keys.slice(0, numDigits);
          if (digits === undefined) {
            for (const child of verb.children) {
              if (child.name === 'Say') log('hears', child.text);
              await context.clock.sleep(mediaSeconds(child, context.options.playSeconds));
            }
            await context.clock.sleep(Number(verb.attrs.timeout ?? '5'));
            log('no-key');
          } else {
            const first = verb.children[0];
            if (first?.name === 'Say') log('hears', first.text);
            await context.clock.sleep(PRESS_AFTER_SECONDS);
            log('pressed', digits);
          }
          if (digits === undefined && verb.attrs.actionOnEmptyResult !== 'true') continue;
          moved = await fetch(here(verb.attrs.action ?? document.url), verb.attrs.method, { Digits: digits ?? '', FinishedOnKey: '' });
          break;
        }
        case 'Redirect':
          moved = await fetch(here(verb.text), verb.attrs.method);
          break;
        case 'Hangup':
        case 'Reject':
          log('declined');
          return 'declined';
        default:
          throw new TwimlRuleError('verb not allowed in a url document', `<${verb.name}> in the answered leg's url document`);
      }
      if (moved !== undefined) break;
    }
    if (moved === undefined) {
      log('accepted');
      return 'accepted';
    }
    document = moved;
  }
  throw new Error(`the answered leg's url document redirected more than ${MAX_DOCUMENTS} times: a loop?`);
}
