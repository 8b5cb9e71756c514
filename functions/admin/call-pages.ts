import * as z from 'zod';
import type { CallRecord } from '../routing/call-outcome.js';

/**
 * GET /calls pages (SPEC 17): newest first, a page's cursor says where the next one starts: the end
 * time of its last call and the calls with exactly that end already given (several calls may end in
 * the same millisecond). Opaque to clients (base64url JSON), checked when it comes back.
 */
const cursorSchema = z.strictObject({
  until: z.iso.datetime(),
  exclude: z.array(z.string().regex(/^CA[0-9a-zA-Z]{1,64}$/)).max(1000),
});
export type CallCursor = z.infer<typeof cursorSchema>;

export function decodeCursor(text: string): CallCursor | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page of `limit` calls out of `read` (read newest first with `limit` plus the cursor's excluded
 * ones), and the cursor of the next page when this one is full.
 */
export function pageOf(read: readonly CallRecord[], limit: number, cursor: CallCursor | undefined): { calls: CallRecord[]; next?: string } {
  const skipped = new Set(cursor?.exclude ?? []);
  const calls = read.filter((call) => !skipped.has(call.callSid)).slice(0, limit);
  const last = calls.at(-1);
  if (last === undefined || calls.length < limit) return { calls };
  const sameEnd = calls.filter((call) => call.endedAt === last.endedAt).map((call) => call.callSid);
  // Calls with that end given on earlier pages stay excluded too.
  const exclude = cursor?.until === last.endedAt ? [...cursor.exclude, ...sameEnd] : sameEnd;
  return { calls, next: Buffer.from(JSON.stringify({ until: last.endedAt, exclude }), 'utf8').toString('base64url') };
}
