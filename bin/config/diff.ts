/**
 * The readable diff `npm run config -- apply` prints: one line per document created, updated or
 * deleted, with the fields that change.
 */
import type { Change, FieldChange } from '../../functions/admin/configuration.js';

export type { Change };

const SIGN = { create: '+', update: '~', delete: '-' } as const;

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function fieldText(change: FieldChange, action: Change['action']): string {
  if (action === 'create') return `${change.field} ${shown(change.after)}`;
  if (change.before === undefined) return `${change.field}: (none) -> ${shown(change.after)}`;
  if (change.after === undefined) return `${change.field}: ${shown(change.before)} -> (none)`;
  return `${change.field}: ${shown(change.before)} -> ${shown(change.after)}`;
}

export function formatChanges(changes: readonly Change[]): string[] {
  if (changes.length === 0) return ['no changes: the configuration is already as the file says'];
  return changes.flatMap((change) => [
    `${SIGN[change.action]} ${change.kind} ${change.id}`,
    ...(change.action === 'delete' ? [] : change.fields.map((field) => `    ${fieldText(field, change.action)}`)),
  ]);
}
