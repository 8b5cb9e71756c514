import {
  groupDocumentSchema,
  memberStatusSchema,
  numberDocumentSchema,
  scheduleDocumentSchema,
  settingsDocumentSchema,
  userDocumentSchema,
  type Group,
  type Member,
  type PhoneNumber,
  type Schedule,
  type Settings,
} from '../commons/schemas.js';
import { CorruptItemError } from './errors.js';

/**
 * Conversion between stored items and domain values. An item's document fields are stored as
 * attributes beside the bookkeeping ones (`pk`, `sk`, `version`, `referencedBy`, `status`).
 */
export type StoredItem = Record<string, unknown>;

const bookkeeping = new Set(['pk', 'sk', 'version', 'referencedBy', 'status', 'statusSince', 'statusReason', 'updatedAt', 'expiresAt']);

function documentFields(item: StoredItem): StoredItem {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !bookkeeping.has(name)));
}

function parseOrThrow<T>(what: string, parse: () => { success: true; data: T } | { success: false; error: { message: string } }): T {
  const result = parse();
  if (!result.success) throw new CorruptItemError(`stored ${what} is invalid: ${result.error.message}`);
  return result.data;
}

/** Why the member's status is what it is, when the project set it (SPEC 15: missed offers). */
export type MemberWithStatus = Member & { statusSince?: string; statusReason?: string };

export function memberFromItem(item: StoredItem): MemberWithStatus {
  const id = String(item.sk);
  const document = parseOrThrow(`user ${id}`, () => userDocumentSchema.safeParse(documentFields(item)));
  const status = parseOrThrow(`user ${id} status`, () => memberStatusSchema.safeParse(item.status ?? 'available'));
  return {
    ...document,
    id,
    status,
    ...(typeof item.statusSince === 'string' ? { statusSince: item.statusSince } : {}),
    ...(typeof item.statusReason === 'string' ? { statusReason: item.statusReason } : {}),
  };
}

export function groupFromItem(item: StoredItem): Group {
  const id = String(item.sk);
  return { ...parseOrThrow(`group ${id}`, () => groupDocumentSchema.safeParse(documentFields(item))), id };
}

export function numberFromItem(item: StoredItem): PhoneNumber {
  const number = String(item.sk);
  return { ...parseOrThrow(`number ${number}`, () => numberDocumentSchema.safeParse(documentFields(item))), number };
}

export function scheduleFromItem(item: StoredItem): Schedule {
  const id = String(item.sk);
  return { ...parseOrThrow(`schedule ${id}`, () => scheduleDocumentSchema.safeParse(documentFields(item))), id };
}

export function settingsFromItem(item: StoredItem | undefined): Settings {
  return parseOrThrow('settings', () => settingsDocumentSchema.safeParse(item === undefined ? {} : documentFields(item)));
}

export function referencesOf(item: StoredItem | undefined): string[] {
  const value = item?.referencedBy;
  return value instanceof Set ? [...value].map(String).sort() : [];
}

export function versionOf(item: StoredItem | undefined): number {
  return typeof item?.version === 'number' ? item.version : 0;
}
