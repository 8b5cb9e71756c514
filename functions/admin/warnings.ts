import type { Group, Member, PhoneNumber } from '../commons/schemas.js';
import { DEFAULT_MAX_WAIT_SECONDS } from '../routing/waiting-line.js';
import { dialLimitWarnings } from '../twiml/dial-limits.js';

/** What an administrator should know about a saved document that is valid but will not work fully. */

export function numberWarnings(number: PhoneNumber): string[] {
  const warnings: string[] = [];
  if (number.group === undefined) warnings.push('this number has no group: callers hear a short message and the call ends');
  if (number.extensions && number.greeting === undefined)
    warnings.push('extensions is on but there is no greeting: digits count only while the greeting plays');
  return warnings;
}

/**
 * wait-for-agent holds callers until a member is free. A member who is away can come back, but one
 * without devices (or a group without members) can never take a call, so the callers' wait is
 * hopeless until `maxWaitSeconds` sends them to voicemail.
 */
function waitingLineWarnings(group: Group, present: readonly Member[]): string[] {
  const action = group.whenNobodyAnswers;
  if (action.action !== 'wait-for-agent') return [];
  const warnings: string[] = [];
  const maxWait = action.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS;
  if (!present.some((member) => member.devices.length > 0)) {
    const nobody = present.length === 0 ? 'this group has no members' : 'no member of this group has a device';
    warnings.push(
      `group ${group.id}: callers wait for a member, but ${nobody}; they would wait until maxWaitSeconds (${maxWait} s) and then reach voicemail`,
    );
  }
  if (action.maxWaitSeconds === undefined) {
    warnings.push(
      `group ${group.id}: callers wait for a member and no maxWaitSeconds is set, so the default of ${DEFAULT_MAX_WAIT_SECONDS} seconds applies; then they reach voicemail`,
    );
  }
  return warnings;
}

export function groupWarnings(group: Group, members: ReadonlyMap<string, Member>): string[] {
  const present = group.members.flatMap((id) => {
    const member = members.get(id);
    return member === undefined ? [] : [member];
  });
  const warnings = dialLimitWarnings(group.distribution, present);
  if (group.members.length === 0) warnings.unshift('this group has no members: every call goes straight to its missed-call action');
  for (const member of present)
    if (member.devices.length === 0) warnings.push(`member ${member.id} has no devices and is never offered a call`);
  warnings.push(...waitingLineWarnings(group, present));
  return warnings;
}
