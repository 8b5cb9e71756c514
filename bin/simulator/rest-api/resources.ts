import { rfc2822, type Params } from './answers.js';

/**
 * The configuration resources of an account (numbers, TwiML Apps, SIP domains) as the fake holds
 * them: Twilio's own JSON, changed field by field by the parameters that name the fields.
 */
export type ResourceJson = Record<string, unknown> & { sid: string };

/** A writable parameter, by Twilio's name, and the JSON field it sets. */
export type FieldTable = Readonly<Record<string, string>>;

/**
 * Set each parameter's field. An empty SID parameter clears the reference (null), as Twilio shows a
 * number without an application; an empty URL stays empty, as Twilio shows an unset URL.
 */
export function applyParams(resource: ResourceJson, params: Params, table: FieldTable, now: Date): void {
  for (const [name, value] of Object.entries(params)) {
    const field = table[name];
    if (field === undefined) continue;
    resource[field] = field.endsWith('_sid') && value === '' ? null : value;
  }
  resource.date_updated = rfc2822(now);
}

/** The parameter names a write accepts: the table's. */
export function writable(table: FieldTable, ...more: string[]): ReadonlySet<string> {
  return new Set([...Object.keys(table), ...more]);
}
