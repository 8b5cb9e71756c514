import { rfc2822 } from './answers.js';

/**
 * A Call resource as Twilio's JSON shows it (https://www.twilio.com/docs/voice/api/call-resource#call-properties),
 * for the fetch, update and create answers. Prices, numbers' SIDs and the like are null: the
 * simulation has none.
 */
export type CallFacts = {
  readonly sid: string;
  readonly status: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'inbound' | 'outbound-api';
  /** When the resource was made (the simulated clock's date). */
  readonly created: Date;
  /** Milliseconds a created call waits in Twilio's queue before it starts (CPS). */
  readonly queueTimeMs?: number;
};

export function callJson(accountSid: string, call: CallFacts): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${accountSid}/Calls/${call.sid}`;
  return {
    sid: call.sid,
    account_sid: accountSid,
    date_created: rfc2822(call.created),
    date_updated: rfc2822(call.created),
    parent_call_sid: null,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    phone_number_sid: null,
    status: call.status,
    start_time: null,
    end_time: null,
    duration: null,
    price: null,
    price_unit: 'USD',
    direction: call.direction,
    answered_by: null,
    api_version: '2010-04-01',
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: String(call.queueTimeMs ?? 0),
    trunk_sid: null,
    uri: `${uri}.json`,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
      events: `${uri}/Events.json`,
    },
  };
}
