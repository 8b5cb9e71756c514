import { logger } from '../commons/logger.js';
import { storedRecordings } from '../store/voicemail-store.js';
import { MEDIA_TOO_LARGE, RECORDING_SID, TwilioApiError } from '../twilio-api/client.js';
import { json, notFound, type AdminResult } from './responses.js';
import { configuredTwilioApi as adminTwilio, configuredTwilio as adminTwilioConfig } from '../twilio-api/configured.js';

/**
 * GET /voicemails/{recordingSid}/audio (SPEC section 18): a voicemail's recording as MP3, fetched from
 * Twilio with the account's credentials, so the console's browser needs none of Twilio's.
 */

/**
 * The largest recording passed on. A function URL (and a synchronous Lambda invocation) answers at most
 * 6 MB (6,291,456 bytes), and the binary body travels base64-encoded, 4 bytes for every 3: 4,500,000
 * bytes become 6,000,000 characters, leaving room for the rest of the response. At Twilio's MP3 bit
 * rate that is far longer than a voicemail.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_AUDIO_BYTES = 4_500_000;

/** Waiting longer than the REST client's default for a file, within the admin function's 29 s. */
const MEDIA_TIMEOUT_MS = 20_000;

const badGateway = (error: string): AdminResult => json(502, { error });

export async function voicemailAudio(recordingSid: string): Promise<AdminResult> {
  // Only our voicemails: the route is no way to read any recording of the account.
  if (!RECORDING_SID.test(recordingSid) || !(await storedRecordings([recordingSid])).has(recordingSid))
    return notFound(`voicemail ${recordingSid} not found`);
  if (adminTwilio === undefined || adminTwilioConfig?.accountSid === undefined)
    return json(503, {
      error: 'the admin function has no Twilio Account SID, so it cannot fetch recordings: deploy with -c twilioAccountSid=AC...',
    });
  try {
    const media = await adminTwilio.fetchRecordingMedia(recordingSid, { maxBytes: MAX_AUDIO_BYTES, timeoutMs: MEDIA_TIMEOUT_MS });
    return {
      statusCode: 200,
      // A recording never changes once made; the browser may keep it for the session.
      headers: { 'content-type': 'audio/mpeg', 'cache-control': 'private, max-age=3600' },
      body: Buffer.from(media.bytes).toString('base64'),
      isBase64Encoded: true,
    };
  } catch (error) {
    if (!(error instanceof TwilioApiError)) throw error;
    if (error.code === MEDIA_TOO_LARGE)
      return badGateway(
        `recording ${recordingSid} is larger than the ${MAX_AUDIO_BYTES} bytes the admin API can answer with; listen to it in the Twilio Console (Monitor > Call recordings)`,
      );
    logger.warn('could not fetch a voicemail recording from Twilio', { recordingSid, status: error.status, code: error.code });
    return badGateway(
      error.status === 0
        ? `Twilio's REST API could not be reached for recording ${recordingSid}`
        : `Twilio answered ${error.status}${error.code === undefined ? '' : ` (error ${error.code})`} for recording ${recordingSid}: ${error.message}`,
    );
  }
}
