/** Defaults shared by the simulator and the local stack, so they find each other with no options. */
/** The account the fake REST API serves unless told otherwise (AC + 32 hex digits, as Twilio's). */
export const DEFAULT_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
/** The port of the simulator's fake Twilio REST API; the local stack points TWILIO_API_BASE_URL at it. */
export const DEFAULT_API_PORT = 3010;
export const DEFAULT_CALLER = '+15550001111';
