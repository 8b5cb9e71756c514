import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../commons/logger.js';
import type { Group, Member, Settings } from '../commons/schemas.js';
import { startInGroup } from '../routing/call-context.js';
import { callingMember, dialledDigits, interpretDialled, pickupCandidates, pickupQueueName, type RingingCall } from '../routing/pickup.js';
import { answeredUpdate, CALL_STATE_TTL_SECONDS, getCall, startCall } from '../store/call-store.js';
import { documentClient, tableName } from '../store/client.js';
import { getExtensionOwner, getMembersWithPresence, getSettings, listGroups, listMembers, listNumbers } from '../store/config-store.js';
import { keys } from '../store/keys.js';
import { busyUpdate, clearBusy, clearRinging } from '../store/presence-store.js';
import { MAX_CALL_SECONDS } from '../twiml/dial-limits.js';
import { prompt } from '../twiml/prompts.js';
import { dialQueue, emptyResponse, hangup, messageThenHangup, waitForPicker } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { continueInGroup } from './group-flow.js';
import { BUSY_MARGIN_SECONDS } from './leg.js';
import { voicemailTwiml } from './voicemail.js';
import { dispatchForMembers, dispatcherOf } from './waiting-line.js';
import { epochSeconds, param, type VoiceWebhook } from './webhook.js';

/**
 * Calls placed by members (SPEC sections 8 and 9): softphones (TwiML App voice URL) and SIP phones
 * (SIP domain voice URL) call /voice/outbound. The member is identified by `From`; `To` is the pickup
 * code (optionally followed by a member extension), a member or group extension, or unsupported.
 */

/** Members' own calls need one of our numbers as caller ID when they ring a phone. */
async function companyCallerId(): Promise<string | undefined> {
  return (await listNumbers())[0]?.number;
}

/** The first group (by id) a member belongs to: its rings apply to internal calls to that member. */
function firstGroupOf(member: string, groups: readonly Group[]): Group | undefined {
  return [...groups].sort((a, b) => a.id.localeCompare(b.id)).find((group) => group.members.includes(member));
}

/** /voice/outbound. */
export async function outbound(webhook: VoiceWebhook): Promise<string> {
  const callSid = webhook.params.CallSid ?? 'unknown-call';
  const [members, settings] = await Promise.all([listMembers(), getSettings()]);
  const caller = callingMember(param(webhook, 'From') ?? '', members);
  if (caller === undefined) {
    logger.warn('outbound call from a device of no member', { callSid, from: webhook.params.From });
    return messageThenHangup(prompt(settings, 'unknownCaller'));
  }
  const digits = dialledDigits(param(webhook, 'To') ?? '');
  const dialled = interpretDialled(digits, settings.pickupCode);
  await startCall(callSid, { from: caller.id, to: digits }, epochSeconds(webhook));
  switch (dialled.kind) {
    case 'pickup':
      return pickUp(webhook, caller, settings, undefined);
    case 'directed-pickup': {
      const owner = await getExtensionOwner(dialled.extension);
      if (owner?.kind !== 'user') return messageThenHangup(prompt(settings, 'nothingToPickUp'));
      return pickUp(webhook, caller, settings, owner.id);
    }
    case 'extension': {
      const owner = await getExtensionOwner(dialled.extension);
      if (owner === undefined) return messageThenHangup(prompt(settings, 'unknownExtension'));
      const callerId = await companyCallerId();
      if (owner.kind === 'group') {
        // As for an outside caller, but the calling member is never offered their own call.
        return continueInGroup(webhook, { ...startInGroup(owner.id), excluded: caller.id, ...(callerId === undefined ? {} : { callerId }) }, { settings });
      }
      if (owner.id === caller.id) return messageThenHangup(prompt(settings, 'notSupported'));
      const group = firstGroupOf(owner.id, await listGroups());
      if (group === undefined) return voicemailTwiml(webhook, settings, { group: undefined, member: owner.id });
      return continueInGroup(webhook, { ...startInGroup(group.id), member: owner.id, internal: true, ...(callerId === undefined ? {} : { callerId }) }, { settings });
    }
    case 'unsupported':
      return messageThenHangup(prompt(settings, 'notSupported'));
    default:
      return dialled satisfies never;
  }
}

/**
 * Exactly one picker wins a call: the claim item is created only if no other picker made it, and
 * only while the call still rings at the member it was found ringing at.
 */
const NOT_PICKED_UP_YET = 'attribute_not_exists(pk)';
const STILL_RINGING_THERE = 'ringingCall = :call';

async function claimPickup(call: RingingCall, picker: Member, pickerCall: string, now: number): Promise<boolean> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.pickup(call.callSid), picker: picker.id, pickerCall, from: call.member, expiresAt: now + CALL_STATE_TTL_SECONDS },
              ConditionExpression: NOT_PICKED_UP_YET,
            },
          },
          { ConditionCheck: { TableName: tableName, Key: keys.presence(call.member), ConditionExpression: STILL_RINGING_THERE, ExpressionAttributeValues: { ':call': call.callSid } } },
          // The call is answered by the picker, who is busy until the bridge ends.
          { Update: answeredUpdate(call.callSid, picker.id, now) },
          { Update: busyUpdate(picker.id, call.callSid, pickerCall, now, now + MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS) },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException) return false;
    throw error;
  }
}

async function undoPickup(call: RingingCall, picker: Member, pickerCall: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(call.callSid) }));
  await clearBusy(picker.id, pickerCall);
}

/** Take the oldest eligible ringing call (or the one ringing at `target`) and bridge it with the picker. */
async function pickUp(webhook: VoiceWebhook, picker: Member, settings: Settings, target: string | undefined): Promise<string> {
  const pickerCall = webhook.params.CallSid ?? 'unknown-call';
  const now = epochSeconds(webhook);
  const groups = await listGroups();
  const inPickupGroups = [...new Set(groups.filter((group) => group.pickup && group.members.includes(picker.id)).flatMap((group) => group.members))];
  const { presence } = await getMembersWithPresence(inPickupGroups);
  const candidates = pickupCandidates(picker.id, groups, presence, now, target);
  for (const call of candidates) {
    if (!(await claimPickup(call, picker, pickerCall, now))) continue;
    try {
      // Move the caller off the ringing offer: the colleague's device stops ringing at once.
      await webhook.twilio.redirectCall(call.callSid, new URL(voiceUrl('pickup-bridge', { c: call.callSid }), webhook.url).toString());
    } catch (error) {
      logger.warn('could not move a picked-up call; trying the next', { callSid: call.callSid, picker: picker.id, error: error instanceof Error ? error.message : String(error) });
      await undoPickup(call, picker, pickerCall);
      continue;
    }
    const record = await getCall(call.callSid);
    const offered = record?.offeredMembers instanceof Set ? [...record.offeredMembers].map(String) : [call.member];
    const freed = (await Promise.all(offered.map(async (member) => ((await clearRinging(member, call.callSid)) ? member : undefined)))).filter((member): member is string => member !== undefined);
    await dispatchForMembers(freed, dispatcherOf(webhook));
    logger.info('call picked up', { callSid: call.callSid, picker: picker.id, from: call.member });
    return dialQueue({ queue: pickupQueueName(call.callSid), action: voiceUrl('pickup-result', { c: call.callSid }) });
  }
  return messageThenHangup(prompt(settings, 'nothingToPickUp'));
}

/** /voice/pickup-bridge?c=<CallSid>: the picked-up caller waits in the call's own queue for the picker. */
export async function pickupBridge(webhook: VoiceWebhook): Promise<string> {
  const callSid = webhook.query.c ?? webhook.params.CallSid ?? '';
  return waitForPicker({ queue: pickupQueueName(callSid), action: voiceUrl('pickup-left', { c: callSid }) });
}

/** /voice/pickup-left: the caller's wait for the picker ended (bridged and done, or hung up). */
export async function pickupLeft(webhook: VoiceWebhook): Promise<string> {
  const result = param(webhook, 'QueueResult');
  if (result === 'redirected' || result === 'redirected-from-bridged' || result === 'bridging-in-process') return emptyResponse();
  return hangup();
}

/** /voice/pickup-result?c=<CallSid>: the picker's bridge ended; the picker is free again. */
export async function pickupResult(webhook: VoiceWebhook): Promise<string> {
  const picker = (await documentClient.send(new DeleteCommand({ TableName: tableName, Key: keys.pickup(webhook.query.c ?? ''), ReturnValues: 'ALL_OLD' }))).Attributes;
  if (typeof picker?.picker === 'string') {
    const freed = await clearBusy(picker.picker, webhook.params.CallSid ?? '');
    if (freed) await dispatchForMembers([picker.picker], dispatcherOf(webhook));
  }
  return hangup();
}
