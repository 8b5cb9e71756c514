import { authTokenProvider } from '../commons/auth-token.js';
import { readTwilioApiConfig } from '../commons/config.js';
import { createTwilioApi, type TwilioApi } from '../twilio-api/client.js';

/**
 * The admin function's way to Twilio's REST API, read once at cold start: it moves waiting callers
 * (a member back from away) and fetches voicemail recordings for the console. Undefined without an
 * auth token (not configured); `accountSid` is undefined when deployed without -c twilioAccountSid.
 */
export const adminTwilioConfig = readTwilioApiConfig();

export const adminTwilio: TwilioApi | undefined =
  adminTwilioConfig === undefined
    ? undefined
    : createTwilioApi({
        baseUrl: adminTwilioConfig.twilioApiBaseUrl,
        accountSid: adminTwilioConfig.accountSid ?? '',
        authToken: authTokenProvider(adminTwilioConfig),
      });
