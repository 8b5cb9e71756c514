import { logger } from '../commons/logger.js';
import { contextFromQuery, contextToQuery, startInGroup } from '../routing/call-context.js';
import { closedNumber } from '../routing/schedule.js';
import type { Configuration } from '../store/configuration.js';
import type { ExtensionOwner } from '../store/keys.js';
import { prompt } from '../twiml/prompts.js';
import { greetingThenRedirect, greetingWithExtensions, messageThenHangup } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { continueInGroup, routeCall, type Routing } from './group-flow.js';
import type { VoiceWebhook } from './webhook.js';
import { InvalidWebhookError } from './errors.js';

/** The query parameter of /voice/group that says the number was closed: run its `whenClosed`, ring nobody. */
const CLOSED_PARAMETER = 'k';

/** Seconds the caller has after the greeting ends to finish dialling an extension. */
export const EXTENSION_TIMEOUT_SECONDS = 3;

/**
 * /voice/incoming: a call to one of our numbers (SPEC section 3). Read (the configuration's version,
 * and for a number without greeting everything its group's decision needs), then one write: the
 * call's item, folded into the first offer's claim when there is one.
 */
export async function incoming(webhook: VoiceWebhook): Promise<string> {
  const { from, to } = webhook.call;
  return routeCall(webhook, (configuration) => routeIncoming(webhook, configuration), {
    callStart: (configuration) => ({ from, to, group: to === undefined ? undefined : configuration.numbers.get(to)?.group }),
  });
}

function routeIncoming(webhook: VoiceWebhook, configuration: Configuration): Routing {
  const { settings } = configuration;
  const number = webhook.call.to === undefined ? undefined : configuration.numbers.get(webhook.call.to);
  if (number === undefined) {
    logger.warn('call to an unknown number', { to: webhook.call.to });
    return { kind: 'answer', twiml: messageThenHangup(prompt(settings, 'unknownNumber')) };
  }
  if (number.group === undefined) return { kind: 'answer', twiml: messageThenHangup(prompt(settings, 'noGroup')) };
  const context = startInGroup(number.group);
  // Opening hours (SPEC section 14): a closed number greets with its closed greeting, then its action.
  const closed = closedNumber(number, configuration.schedules, webhook.now.getTime());
  if (closed !== undefined) {
    logger.info('number closed', { to: number.number, schedule: number.schedule, action: closed.action.action });
    if (closed.greeting === undefined) return { kind: 'distribute', context, whenClosed: closed.action };
    const afterGreeting = voiceUrl('group', { ...contextToQuery(context), [CLOSED_PARAMETER]: '1' });
    return { kind: 'answer', twiml: greetingThenRedirect(closed.greeting, settings.language, afterGreeting) };
  }
  if (number.greeting === undefined) return { kind: 'distribute', context };
  const intoGroup = voiceUrl('group', contextToQuery(context));
  const numDigits = number.extensions ? configuration.longestExtension : 0;
  if (numDigits === 0) return { kind: 'answer', twiml: greetingThenRedirect(number.greeting, settings.language, intoGroup) };
  return {
    kind: 'answer',
    twiml: greetingWithExtensions({
      greeting: number.greeting,
      language: settings.language,
      numDigits,
      gatherAction: voiceUrl('extension', contextToQuery(context)),
      noDigitsRedirect: intoGroup,
      timeoutSeconds: EXTENSION_TIMEOUT_SECONDS,
    }),
  };
}

/** The owner of dialled digits, if they are an extension. */
export function extensionOwner(configuration: Configuration, digits: string): ExtensionOwner | undefined {
  return /^[0-9]{1,4}$/.test(digits) ? configuration.extensions.get(digits) : undefined;
}

/** /voice/extension: digits dialled during the greeting; `g` is the number's group. */
export async function extension(webhook: VoiceWebhook): Promise<string> {
  const parsed = contextFromQuery(webhook.query);
  if (!parsed.ok) throw new InvalidWebhookError(parsed.problem);
  const digits = (webhook.params.digits ?? '').replace(/#$/, '');
  const numberGroup = parsed.context.group;
  // The owner of the digits is looked up in the configuration the decision reads: one read for both.
  return routeCall(webhook, (configuration): Routing => {
    if (digits === '') return { kind: 'distribute', context: startInGroup(numberGroup) };
    const owner = extensionOwner(configuration, digits);
    if (owner === undefined)
      return { kind: 'distribute', context: startInGroup(numberGroup), lead: prompt(configuration.settings, 'unknownExtension') };
    switch (owner.kind) {
      case 'group':
        return { kind: 'distribute', context: startInGroup(owner.id) };
      case 'user':
        // Ring that member with the rings of the number's group, then that group's missed-call action.
        return { kind: 'distribute', context: startInGroup(numberGroup, [], { kind: 'member-extension', member: owner.id }) };
      default:
        return owner.kind satisfies never;
    }
  });
}

/**
 * /voice/group: into the group named by the context (after a greeting). After a closed number's
 * greeting (`k=1`): the number's `whenClosed` action, as the schedule was when the call came in.
 */
export async function group(webhook: VoiceWebhook): Promise<string> {
  const parsed = contextFromQuery(webhook.query);
  if (!parsed.ok) throw new InvalidWebhookError(parsed.problem);
  const { context } = parsed;
  if (webhook.query[CLOSED_PARAMETER] !== '1') return continueInGroup(webhook, context);
  return routeCall(webhook, (configuration): Routing => {
    const number = webhook.call.to === undefined ? undefined : configuration.numbers.get(webhook.call.to);
    return { kind: 'distribute', context, whenClosed: number?.whenClosed ?? { action: 'voicemail' } };
  });
}
