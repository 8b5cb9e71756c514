import * as z from 'zod';
import type { DeviceBehaviour } from './types.js';

/**
 * Device behaviours as scenarios and the command line write them, parsed in one place: the names
 * (`answer`, `voicemail-box`, `no-answer`, `busy`, `reject`, `failed`), `answer:N` (answers after N s),
 * `answer:N:M` (and hangs up after M s of talk), and in scenarios the object form with `keys`.
 */
export const BEHAVIOUR_NAMES = ['answer', 'voicemail-box', 'no-answer', 'busy', 'reject', 'failed'] as const;

export const behaviourSchema = z.union([
  z.enum(BEHAVIOUR_NAMES),
  z.strictObject({
    answerAfter: z.number().min(0),
    hangUpAfter: z.number().positive().optional(),
    keys: z
      .string()
      .regex(/^[0-9*#]*$/, 'must be keys such as "1", or "" for none')
      .optional(),
  }),
]);

/** One behaviour from the command line, or a message saying what is accepted. */
export function parseBehaviourText(text: string): { ok: true; behaviour: DeviceBehaviour } | { ok: false; message: string } {
  const named = BEHAVIOUR_NAMES.find((name) => name === text);
  if (named !== undefined) return { ok: true, behaviour: named };
  const match = /^answer:(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(text);
  if (match === null)
    return {
      ok: false,
      message: `unknown behaviour "${text}": use answer, voicemail-box, no-answer, busy, reject, failed, answer:N or answer:N:M`,
    };
  return { ok: true, behaviour: { answerAfter: Number(match[1]), ...(match[2] === undefined ? {} : { hangUpAfter: Number(match[2]) }) } };
}
