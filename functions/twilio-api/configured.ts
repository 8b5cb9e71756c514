import { authTokenProvider } from '../commons/auth-token.js';
import { readTwilioApiConfig } from '../commons/config.js';
import { createTwilioApi, type TwilioApi } from './client.js';

/**
 * The REST API for the functions that answer no webhook (admin, wake-up), read once at cold start:
 * they move waiting callers (a member back from away, a wrap-up that ended) and the admin function
 * fetches voicemail recordings for the console. Undefined without an auth token (not configured);
 * `accountSid` is undefined when deployed without -c twilioAccountSid.
 */
export const configuredTwilio = readTwilioApiConfig();

export const configuredTwilioApi: TwilioApi | undefined =
  configuredTwilio === undefined
    ? undefined
    : createTwilioApi({
        baseUrl: configuredTwilio.twilioApiBaseUrl,
        accountSid: configuredTwilio.accountSid ?? '',
        authToken: authTokenProvider(configuredTwilio),
      });
