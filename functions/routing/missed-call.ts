import type { Group, Member } from '../commons/schemas.js';
import { lastOffered, onlyMember, startInGroup, type CallContext } from './call-context.js';

/** What the caller gets when nobody answered (SPEC section 6), decided from state alone. */
export type MissedCallStep =
  | {
      kind: 'voicemail';
      /** The group the message is left for. */
      group: string;
      /** The member the message belongs to: the last member offered the call, else the group's first member. */
      member: string | undefined;
      /** Why a voicemail and not the configured action, when it is a fallback. */
      reason?: 'no-mobile' | 'loop' | undefined;
    }
  | { kind: 'wait'; group: string }
  | { kind: 'forward'; to: string; group: string; member: string | undefined }
  | { kind: 'distribute'; context: CallContext }
  | { kind: 'hangup' };

/**
 * Whose voicemail it is when nobody answered: the last member offered, else the member the caller
 * dialled by extension, else the group's first member.
 */
export function voicemailOwner(group: Group, context: CallContext): string | undefined {
  return lastOffered(context) ?? onlyMember(context) ?? group.members[0];
}

export function missedCallStep(group: Group, membersById: ReadonlyMap<string, Member>, context: CallContext): MissedCallStep {
  const action = group.whenNobodyAnswers;
  const voicemail = (reason?: 'no-mobile' | 'loop'): MissedCallStep => ({
    kind: 'voicemail',
    group: group.id,
    member: voicemailOwner(group, context),
    reason,
  });
  // An internal call to a member ends in that member's voicemail (SPEC section 9).
  if (context.target.kind === 'internal-to-member') return voicemail();
  switch (action.action) {
    case 'voicemail':
      return voicemail();
    case 'forward-to-mobile': {
      const memberId = action.member ?? lastOffered(context) ?? onlyMember(context);
      const mobile = memberId === undefined ? undefined : membersById.get(memberId)?.mobile;
      if (mobile === undefined) return voicemail('no-mobile');
      return { kind: 'forward', to: mobile, group: group.id, member: memberId };
    }
    case 'forward-to-number':
      return { kind: 'forward', to: action.number, group: group.id, member: voicemailOwner(group, context) };
    case 'wait-for-agent':
      return { kind: 'wait', group: group.id };
    case 'forward-to-group':
      // A chain of groups that comes back to one this call already visited ends in voicemail.
      if (context.visited.includes(action.group)) return voicemail('loop');
      return { kind: 'distribute', context: startInGroup(action.group, context.visited) };
    case 'hangup':
      return { kind: 'hangup' };
    default:
      return action satisfies never;
  }
}
