/** A command line that cannot run as given (a missing or malformed option or environment variable): exit 2 with the usage. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/**
 * The account or the deployment is not as connect needs it (a configured number the account does not
 * own, a missing SIP domain, a stack without the outputs): exit 1, nothing changed.
 */
export class NotReadyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotReadyError';
  }
}

/** Twilio refused a request or could not be reached: the same error the functions' REST client throws. */
export { TwilioApiError as TwilioRequestError } from '../../functions/twilio-api/client.js';
