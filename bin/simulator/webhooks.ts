import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { Move, SimCall } from './call.js';
import type { SimulatedClock } from './clock.js';
import { parseTwiml, TwimlRuleError, type TwimlElement } from './twiml.js';
import type { SimulationOptions } from './types.js';

/** TwiML to run next and the URL it came from ('inline:' for TwiML sent with the REST API). */
export type Next = { verbs: TwimlElement[]; url: string };

export function methodOf(value: string | undefined): 'GET' | 'POST' {
  return value === 'GET' ? 'GET' : 'POST';
}

/** The signed requests Twilio makes of the project for a call, with the parameters it sends. */
export class Webhooks {
  /** Wall-clock time of simulated second 0: Twilio's `Timestamp` parameters follow the simulated clock. */
  private readonly epoch = Date.now();

  constructor(
    private readonly options: SimulationOptions,
    readonly accountSid: string,
    private readonly clock: SimulatedClock,
  ) {}

  /** The simulated moment as Twilio writes it in `Timestamp` (RFC 2822). */
  timestamp(): string {
    return this.date().toUTCString();
  }

  /** The wall-clock date of a simulated second (default: now). */
  date(seconds = this.clock.now): Date {
    return new Date(this.epoch + seconds * 1000);
  }

  private baseParams(call: SimCall): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.callerGone ? 'completed' : call.status,
      Called: call.script.to,
      Caller: call.script.from,
      Direction: call.direction,
      From: call.script.from,
      To: call.script.to,
    };
  }

  async post(call: SimCall, url: string, method: 'GET' | 'POST', extra: Record<string, string>): Promise<{ status: number; body: string }> {
    const params = { ...this.baseParams(call), ...extra };
    call.requests.push({ url, params });
    if (call.requests.length > 500) throw new Error('the call made more than 500 webhook requests: a loop?');
    const target = method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}` : url;
    const signature = getExpectedTwilioSignature(this.options.authToken, target, method === 'GET' ? {} : params);
    return this.clock.track(() => this.options.transport({ url: target, method, params: method === 'GET' ? {} : params, signature }));
  }

  /** A webhook whose answer is TwiML to run; anything but 200 and valid TwiML fails like Twilio does. */
  async fetchTwiml(call: SimCall, url: string, method: 'GET' | 'POST', extra: Record<string, string>): Promise<TwimlElement[]> {
    const response = await this.post(call, url, method, extra);
    if (response.status !== 200)
      throw new Error(`${url} answered HTTP ${response.status}: Twilio would play its application error (11200)`);
    return parseTwiml(response.body);
  }

  /** The TwiML a REST redirect or dequeue sends the call to (`fallbackUrl` when the move names none). */
  async movedTo(call: SimCall, move: Move, fallbackUrl = ''): Promise<Next> {
    if (move.kind === 'redirect' && move.twiml !== undefined) return { verbs: parseInlineTwiml(move.twiml), url: 'inline:' };
    const url = move.url ?? fallbackUrl;
    return { verbs: await this.fetchTwiml(call, url, methodOf(move.method), {}), url };
  }

  /** Child-leg status callbacks as a noun asks for them (statusCallback + statusCallbackEvent). */
  childCallback(
    call: SimCall,
    noun: TwimlElement,
    resolve: (relative: string) => string,
    leg: { sid: string; sequence: number },
    event: string,
    status: string,
    extra: Record<string, string> = {},
  ): void {
    const callback = noun.attrs.statusCallback;
    if (callback === undefined) return;
    const wanted = (noun.attrs.statusCallbackEvent ?? 'completed').split(/[\s,]+/);
    if (!wanted.includes(event)) return;
    const sequence = leg.sequence;
    leg.sequence += 1;
    const params = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: leg.sid,
      ParentCallSid: call.sid,
      CallStatus: status,
      Called: noun.text,
      To: noun.text,
      From: call.script.from,
      Caller: call.script.from,
      Direction: 'outbound-dial',
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(sequence),
      Timestamp: this.timestamp(),
      ...extra,
    };
    const url = resolve(callback);
    call.requests.push({ url, params });
    const signature = getExpectedTwilioSignature(this.options.authToken, url, params);
    void this.clock
      .track(() => this.options.transport({ url, method: methodOf(noun.attrs.statusCallbackMethod), params, signature }))
      .catch((error: unknown) =>
        call.errors.push(`child status callback failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }
}

/** TwiML sent with the REST API (`Twiml`), checked like a webhook's answer. */
export function parseInlineTwiml(twiml: string): TwimlElement[] {
  const verbs = parseTwiml(twiml);
  // Inline TwiML has no document URL to resolve against: every URL in it must be absolute.
  const walk = (elements: TwimlElement[]): void => {
    for (const element of elements) {
      for (const attr of ['action', 'waitUrl', 'url', 'statusCallback', 'recordingStatusCallback']) {
        const value = element.attrs[attr];
        // waitUrl="" (a conference without hold music) names no URL.
        if (attr === 'waitUrl' && value === '') continue;
        if (value !== undefined && !/^https?:\/\//.test(value))
          throw new TwimlRuleError(
            'relative URL in inline TwiML',
            `${attr}="${value}" must be absolute when TwiML is sent with the REST API`,
          );
      }
      if (element.name === 'Redirect' && !/^https?:\/\//.test(element.text))
        throw new TwimlRuleError('relative URL in inline TwiML', `<Redirect>${element.text}</Redirect> must be absolute`);
      walk(element.children);
    }
  };
  walk(verbs);
  return verbs;
}
