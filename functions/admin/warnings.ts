import type { Group, Member, PhoneNumber } from '../commons/schemas.js';
import { dialLimitWarnings } from '../twiml/dial-limits.js';

/** What an administrator should know about a saved document that is valid but will not work fully. */

export function numberWarnings(number: PhoneNumber): string[] {
  const warnings: string[] = [];
  if (number.group === undefined) warnings.push('this number has no group: callers hear a short message and the call ends');
  if (number.extensions && number.greeting === undefined) warnings.push('extensions is on but there is no greeting: digits count only while the greeting plays');
  return warnings;
}

export function groupWarnings(group: Group, members: ReadonlyMap<string, Member>): string[] {
  const present = group.members.flatMap((id) => {
    const member = members.get(id);
    return member === undefined ? [] : [member];
  });
  const warnings = dialLimitWarnings(group.distribution, present);
  if (group.members.length === 0) warnings.unshift('this group has no members: every call goes straight to its missed-call action');
  for (const member of present) if (member.devices.length === 0) warnings.push(`member ${member.id} has no devices and is never offered a call`);
  return warnings;
}
