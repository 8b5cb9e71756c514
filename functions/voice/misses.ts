import { logger } from '../commons/logger.js';
import type { CallContext } from '../routing/call-context.js';
import { setUserStatus } from '../store/admin-store.js';
import { currentConfiguration } from '../store/configuration.js';
import { countMiss } from '../store/presence-store.js';

/** The reason the live view and the wallboard show for a member set away by their misses. */
export function missesReason(misses: number): string {
  return `missed ${misses} calls in a row`;
}

/**
 * Misses (SPEC 15): the offer of `context` rang `members` and ended unanswered by them (no-answer,
 * busy, failed, a declined confirmation). When the group has `awayAfterMisses`, each member's run of
 * misses grows by one, once per offer (the offer's key is the call and the offer's start, so a
 * retried webhook counts nothing); a member whose run reaches the setting is set away with a reason,
 * through the admin API's own status write (which starts the run again).
 */
export async function countMisses(callSid: string, context: CallContext, members: readonly string[]): Promise<void> {
  if (members.length === 0) return;
  const configuration = await currentConfiguration();
  const limit = configuration.groups.get(context.group)?.awayAfterMisses;
  if (limit === undefined) return;
  const offer = `${callSid}#${context.offeredAtMs ?? 'offer'}`;
  await Promise.all(
    [...new Set(members)].map(async (member) => {
      const { counted, misses } = await countMiss(member, offer);
      // A retry finds the run as the first request left it: reset when that one set the member away.
      if (misses < limit) return;
      const outcome = await setUserStatus(member, 'away', missesReason(misses));
      logger.info('member set away after missed offers', { member, group: context.group, misses, counted, outcome: outcome.kind });
    }),
  );
}
