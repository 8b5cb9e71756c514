import type { GroupDocument } from '../commons/schemas.js';

/**
 * What a group document names, for the `referencedBy` sets that let a condition refuse deleting
 * something still in use: one definition for the admin writes and the configuration's apply.
 */

/** The members a group document names: its members and the forward-to-mobile member. */
export function usersNamedBy(document: Pick<GroupDocument, 'members' | 'whenNobodyAnswers'> | undefined): Set<string> {
  if (document === undefined) return new Set();
  const action = document.whenNobodyAnswers;
  return new Set([...document.members, ...(action.action === 'forward-to-mobile' && action.member !== undefined ? [action.member] : [])]);
}

/** The other groups a group document names (forward-to-group); a group never references itself. */
export function groupsNamedBy(id: string, document: Pick<GroupDocument, 'whenNobodyAnswers'> | undefined): Set<string> {
  const action = document?.whenNobodyAnswers;
  return new Set(action?.action === 'forward-to-group' && action.group !== id ? [action.group] : []);
}
