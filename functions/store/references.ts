import {
  lineActionsOf,
  type GroupDocument,
  type NumberDocument,
  type ScheduleDocument,
  type WhenNobodyAnswers,
} from '../commons/schemas.js';

/**
 * What a group document names, for the `referencedBy` sets that let a condition refuse deleting
 * something still in use: one definition for the admin writes and the configuration's apply.
 */

/** The parts of a group document that name others. */
export type GroupReferences = Pick<GroupDocument, 'members' | 'whenNobodyAnswers' | 'whenClosed' | 'schedule'>;

function mobileMemberOf(action: WhenNobodyAnswers | undefined): string[] {
  return lineActionsOf(action).flatMap((each) => (each.action === 'forward-to-mobile' && each.member !== undefined ? [each.member] : []));
}

function groupOf(action: WhenNobodyAnswers | undefined): string[] {
  return lineActionsOf(action).flatMap((each) => (each.action === 'forward-to-group' ? [each.group] : []));
}

/** The members a group document names: its members and the forward-to-mobile members of its actions. */
export function usersNamedBy(document: GroupReferences | undefined): Set<string> {
  if (document === undefined) return new Set();
  return new Set([...document.members, ...mobileMemberOf(document.whenNobodyAnswers), ...mobileMemberOf(document.whenClosed)]);
}

/** The other groups a group document names (forward-to-group); a group never references itself. */
export function groupsNamedBy(id: string, document: Pick<GroupReferences, 'whenNobodyAnswers' | 'whenClosed'> | undefined): Set<string> {
  return new Set([...groupOf(document?.whenNobodyAnswers), ...groupOf(document?.whenClosed)].filter((group) => group !== id));
}

/** The schedule a group or number document names. */
export function schedulesNamedBy(document: Pick<GroupReferences, 'schedule'> | undefined): Set<string> {
  return new Set(document?.schedule === undefined ? [] : [document.schedule]);
}

/** The parts of a number document that name others. */
export type NumberReferences = Pick<NumberDocument, 'group' | 'whenClosed' | 'schedule'>;

/** The groups a number document names: its group and its `whenClosed` forward-to-group. */
export function groupsNamedByNumber(document: NumberReferences | undefined): Set<string> {
  return new Set([...(document?.group === undefined ? [] : [document.group]), ...groupOf(document?.whenClosed)]);
}

/** The members a number document names: its `whenClosed` forward-to-mobile member. */
export function usersNamedByNumber(document: NumberReferences | undefined): Set<string> {
  return new Set(mobileMemberOf(document?.whenClosed));
}

/** The members a schedule names: those who may toggle it. */
export function usersNamedBySchedule(document: Pick<ScheduleDocument, 'toggledBy'> | undefined): Set<string> {
  return new Set(document?.toggledBy ?? []);
}
