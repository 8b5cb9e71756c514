/**
 * The fake of Twilio's REST API (rest-api/server.ts), one file per resource under rest-api/; this
 * module keeps the imports of its users short.
 */
export { FakeTwilioApi, type ApiKeySeed, type FakeAccountSeed, type RestRequestRecord } from './rest-api/server.js';
export { MAX_INLINE_TWIML } from './rest-api/calls.js';
export type { TwilioRecordingEntry } from './rest-api/recordings.js';
export type { OwnedNumberSeed } from './rest-api/phone-numbers.js';
export type { SipDomainSeed } from './rest-api/sip-domains.js';
