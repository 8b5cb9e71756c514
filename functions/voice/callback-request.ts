import { logger } from '../commons/logger.js';
import { e164Schema, type Group, type Settings } from '../commons/schemas.js';
import { groupOpen } from '../routing/schedule.js';
import { menuOf, type WaitingCaller } from '../routing/waiting-line.js';
import type { Configuration } from '../store/configuration.js';
import { bookCallback } from '../store/line-store.js';
import { prompt, spokenNumber } from '../twiml/prompts.js';
import { lineQuery } from '../twiml/queries.js';
import { askForKeys, leaveLine, messageThenHangup } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { holdTwiml, placeFor, readEntry } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/**
 * Asking for a callback from the waiting line (SPEC 16): 1 in the menu offers to call back the
 * caller's own number (1 confirms) or one they type (2, then the number and #). Booked, the caller's
 * entry becomes a callback entry that keeps its place, the caller hears when to expect the call and
 * the call ends; it is not an abandonment. Every answer here runs in the queue's wait, so it only
 * asks, holds on, hangs up or <Leave>s.
 */

const isE164 = (number: string): boolean => e164Schema.safeParse(number).success;

/** Seconds to type a number (longest: 15 digits and #). */
const TYPE_NUMBER_SECONDS = 10;

/** Whether the caller may ask for a callback now: the group offers it and is open. */
export function callbackOffered(group: Group, configuration: Configuration, atMs: number): boolean {
  return menuOf(group).callback && groupOpen(group, configuration.schedules, atMs);
}

/** The question after 1: call back the caller's number, or type another one. */
export function offerCallback(group: Group, entry: WaitingCaller, settings: Settings): string {
  const query = lineQuery.encode({ group: group.id, place: entry.place });
  if (entry.from === undefined || !isE164(entry.from)) return askForNumber(group, entry, settings);
  return askForKeys({
    question: prompt(settings, 'callbackOffer', { number: spokenNumber(entry.from) }),
    action: voiceUrl('line-callback', query),
    numDigits: 1,
    timeoutSeconds: 5,
  });
}

function askForNumber(group: Group, entry: WaitingCaller, settings: Settings): string {
  return askForKeys({
    question: prompt(settings, 'callbackEnterNumber'),
    action: voiceUrl('line-callback-number', lineQuery.encode({ group: group.id, place: entry.place })),
    numDigits: 16,
    finishOnKey: '#',
    timeoutSeconds: TYPE_NUMBER_SECONDS,
  });
}

async function readCaller(webhook: VoiceWebhook) {
  const groupId = lineQuery.decode(webhook.query).group;
  const { configuration, entry } = await readEntry(groupId, await placeFor(webhook, groupId));
  const group = configuration.groups.get(groupId);
  const waiting = entry !== undefined && (entry.state === 'waiting' || entry.state === 'joining') ? entry : undefined;
  return { configuration, group, entry: waiting };
}

async function book(
  webhook: VoiceWebhook,
  group: Group,
  entry: WaitingCaller,
  configuration: Configuration,
  number: string,
): Promise<string> {
  const settings = configuration.settings;
  const outcome = await bookCallback(entry, number, epochSeconds(webhook));
  logger.info('callback asked for', { group: group.id, outcome });
  switch (outcome) {
    case 'booked':
      return messageThenHangup(prompt(settings, 'callbackBooked'));
    case 'already-booked':
      return holdTwiml(group, entry, configuration, webhook.now.getTime(), [prompt(settings, 'callbackAlreadyBooked')]);
    case 'changed':
      // Claimed for an offer meanwhile: leaving the queue rings the member.
      return leaveLine();
    default:
      return outcome satisfies never;
  }
}

/** /voice/line-callback: 1 books the caller's own number, 2 asks for another. */
export async function lineCallback(webhook: VoiceWebhook): Promise<string> {
  const { configuration, group, entry } = await readCaller(webhook);
  if (group === undefined || entry === undefined) return leaveLine();
  if (!callbackOffered(group, configuration, webhook.now.getTime()))
    return holdTwiml(group, entry, configuration, webhook.now.getTime(), []);
  const key = webhook.params.digits;
  if (key === '1' && entry.from !== undefined && isE164(entry.from)) return book(webhook, group, entry, configuration, entry.from);
  if (key === '2') return askForNumber(group, entry, configuration.settings);
  return holdTwiml(group, entry, configuration, webhook.now.getTime(), [prompt(configuration.settings, 'menuUnknownKey')]);
}

/** /voice/line-callback-number: the number typed, with its country code (a leading 00 is read as +). */
export async function lineCallbackNumber(webhook: VoiceWebhook): Promise<string> {
  const { configuration, group, entry } = await readCaller(webhook);
  if (group === undefined || entry === undefined) return leaveLine();
  if (!callbackOffered(group, configuration, webhook.now.getTime()))
    return holdTwiml(group, entry, configuration, webhook.now.getTime(), []);
  const digits = (webhook.params.digits ?? '').replace(/#$/, '');
  const number = `+${digits.replace(/^00/, '')}`;
  if (!/^[0-9]+$/.test(digits) || !isE164(number))
    return holdTwiml(group, entry, configuration, webhook.now.getTime(), [prompt(configuration.settings, 'callbackBadNumber')]);
  return book(webhook, group, entry, configuration, number);
}
