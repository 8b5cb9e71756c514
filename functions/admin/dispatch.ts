import { logger } from '../commons/logger.js';
import { dispatchForMembers } from '../voice/line-dispatch.js';
import { configuredTwilioApi as twilio, configuredTwilio as config } from '../twilio-api/configured.js';

/**
 * The admin function moves waiting callers too: a member back from away is offered the
 * longest-waiting caller at once. It needs the REST API and the voice routes' public URL; without
 * them (not configured) the waiting line's own polling serves the member a little later.
 */
export async function dispatchAfterStatus(member: string): Promise<void> {
  if (twilio === undefined || config?.voiceBaseUrl === undefined) {
    logger.info('no REST API configured for the admin function; the waiting line polls instead', { member });
    return;
  }
  try {
    await dispatchForMembers([member], { twilio, voiceBase: config.voiceBaseUrl, now: Math.floor(Date.now() / 1000) });
  } catch (error) {
    // The status is saved; serving the line is best effort here and the line's polling retries.
    logger.error('could not offer waiting callers to a member back from away', error, { member });
  }
}
