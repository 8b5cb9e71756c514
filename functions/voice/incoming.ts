import { logger } from '../commons/logger.js';
import type { PhoneNumber } from '../commons/schemas.js';
import { contextFromQuery, contextToQuery, startInGroup } from '../routing/call-context.js';
import { startCall } from '../store/call-store.js';
import { currentConfiguration, type Configuration } from '../store/configuration.js';
import type { ExtensionOwner } from '../store/keys.js';
import { prompt } from '../twiml/prompts.js';
import { greetingThenRedirect, greetingWithExtensions, messageThenHangup } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { continueInGroup } from './group-flow.js';
import { epochSeconds, param, type VoiceWebhook } from './webhook.js';
import { InvalidWebhookError } from './errors.js';

/** Seconds the caller has after the greeting ends to finish dialling an extension. */
export const EXTENSION_TIMEOUT_SECONDS = 3;

/** /voice/incoming: a call to one of our numbers (SPEC section 3). */
export async function incoming(webhook: VoiceWebhook): Promise<string> {
  const { callSid, from, to } = webhook.call;
  const configuration = await currentConfiguration();
  const number = to === undefined ? undefined : configuration.numbers.get(to);
  // The call's item, from which /voice/status writes its outcome; written beside the answer's own work.
  const [answer] = await Promise.all([answerIncoming(webhook, number, configuration), startCall(callSid, { from, to, group: number?.group }, epochSeconds(webhook))]);
  return answer;
}

async function answerIncoming(webhook: VoiceWebhook, number: PhoneNumber | undefined, configuration: Configuration): Promise<string> {
  const { settings } = configuration;
  if (number === undefined) {
    logger.warn('call to an unknown number', { callSid: webhook.call.callSid, to: webhook.call.to });
    return messageThenHangup(prompt(settings, 'unknownNumber'));
  }
  if (number.group === undefined) return messageThenHangup(prompt(settings, 'noGroup'));
  const context = startInGroup(number.group);
  if (number.greeting === undefined) return continueInGroup(webhook, context);
  const intoGroup = voiceUrl('group', contextToQuery(context));
  const numDigits = number.extensions ? configuration.longestExtension : 0;
  if (numDigits === 0) return greetingThenRedirect(number.greeting, settings.language, intoGroup);
  return greetingWithExtensions({
    greeting: number.greeting,
    language: settings.language,
    numDigits,
    gatherAction: voiceUrl('extension', contextToQuery(context)),
    noDigitsRedirect: intoGroup,
    timeoutSeconds: EXTENSION_TIMEOUT_SECONDS,
  });
}

/** The owner of dialled digits, if they are an extension. */
export function extensionOwner(configuration: Configuration, digits: string): ExtensionOwner | undefined {
  return /^[0-9]{1,4}$/.test(digits) ? configuration.extensions.get(digits) : undefined;
}

/** /voice/extension: digits dialled during the greeting; `g` is the number's group. */
export async function extension(webhook: VoiceWebhook): Promise<string> {
  const parsed = contextFromQuery(webhook.query);
  if (!parsed.ok) throw new InvalidWebhookError(parsed.problem);
  const digits = (param(webhook, 'Digits') ?? '').replace(/#$/, '');
  const numberGroup = parsed.context.group;
  if (digits === '') return continueInGroup(webhook, startInGroup(numberGroup));
  const configuration = await currentConfiguration();
  const owner = extensionOwner(configuration, digits);
  if (owner === undefined) return continueInGroup(webhook, startInGroup(numberGroup), { lead: prompt(configuration.settings, 'unknownExtension') });
  switch (owner.kind) {
    case 'group':
      return continueInGroup(webhook, startInGroup(owner.id));
    case 'user':
      // Ring that member with the rings of the number's group, then that group's missed-call action.
      return continueInGroup(webhook, { ...startInGroup(numberGroup), member: owner.id });
    default:
      return owner.kind satisfies never;
  }
}

/** /voice/group: into the group named by the context (after a greeting). */
export async function group(webhook: VoiceWebhook): Promise<string> {
  const parsed = contextFromQuery(webhook.query);
  if (!parsed.ok) throw new InvalidWebhookError(parsed.problem);
  return continueInGroup(webhook, parsed.context);
}
