import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { vi } from 'vitest';
import { localContext, simulatorWebhookEvent } from '../../bin/local/lambda-event.js';
import {
  Simulation,
  type Behaviours,
  type CallerScript,
  type CallResult,
  type SimulationOptions,
  type TranscriptEvent,
  type Transport,
} from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { testApiPort } from './api-port.js';
import { parseTwiml as parseCheckedTwiml, type TwimlElement } from '../../bin/simulator/twiml.js';
import { handler as voiceHandler } from '../../functions/handlers/voice.js';
import { outsideBudget } from '../../functions/commons/budget.js';
import { takeDueWakeUps, useWakeUpTimer, type WakeUp } from '../../functions/wake-ups/queue.js';
import { admin, authToken, TEST_HOST } from './invoke.js';

/**
 * Whole calls for the flow tests, played by the call simulator's engine against the real voice
 * handler in this process (the same signed requests it sends over HTTP), with short results to assert.
 * There is one way to play calls, `playCalls`; `playCall` plays one call through it and shortens the
 * result. Both name devices and members alike: device behaviours are keyed by device address
 * (client identity, phone number or SIP URI) or by member id, and the member directory (from the admin
 * API) turns answering devices into the members who own them.
 */
export type CallScript = {
  from?: string;
  to: string;
  digits?: string;
  /** What each device does, by device address or member id (as `playCalls` takes them); default no-answer. */
  devices?: Behaviours;
  /** Seconds of message at a <Record>; 0 hangs up at the beep. Default 10. */
  voicemailSeconds?: number;
};

/** How a played call ended: the simulator's reasons, less 'error' (a call that fails throws). */
export type CallEnd = Exclude<CallResult['ended'], 'error'>;

export type TranscriptEntry =
  | { verb: 'say'; text: string; language?: string }
  | { verb: 'play'; url: string }
  | { verb: 'gather'; numDigits?: number; digits?: string }
  | { verb: 'dial'; nouns: string[]; timeout: number; status: string; answeredBy?: string }
  | { verb: 'record'; seconds: number }
  | { verb: 'redirect'; url: string }
  | { verb: 'hangup' };

export type PlayedCall = {
  transcript: TranscriptEntry[];
  requests: { url: string; params: Record<string, string> }[];
  offers: { nouns: string[]; status: string; answeredBy?: string }[];
  /** 'hangup': the project hung up; 'caller-hung-up'; 'document-ended': the TwiML ran out; 'rejected'. */
  ended: CallEnd;
  result: CallResult;
  events: TranscriptEvent[];
};

/** The voice handler in this process, reached as over HTTP: the URL's host and scheme become headers. */
export const inProcessTransport: Transport = async (request) => {
  const event = simulatorWebhookEvent(request);
  const result = (await voiceHandler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode ?? 200, body: result.body ?? '' };
};

function toEntries(events: readonly TranscriptEvent[]): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  let offer: { nouns: string[]; timeout: number } | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'say':
        entries.push({ verb: 'say', text: event.text, ...(event.language === undefined ? {} : { language: event.language }) });
        break;
      case 'play':
        entries.push({ verb: 'play', url: event.url });
        break;
      case 'gather':
        entries.push({
          verb: 'gather',
          ...(event.numDigits === undefined ? {} : { numDigits: event.numDigits }),
          ...(event.digits === undefined ? {} : { digits: event.digits }),
        });
        break;
      case 'offer':
        offer = { nouns: event.nouns, timeout: event.timeout };
        break;
      case 'dial-end':
        entries.push({
          verb: 'dial',
          nouns: offer?.nouns ?? [],
          timeout: offer?.timeout ?? 0,
          status: event.status,
          ...(event.answeredBy === undefined ? {} : { answeredBy: event.answeredBy }),
        });
        break;
      case 'record':
        entries.push({ verb: 'record', seconds: event.seconds });
        break;
      case 'redirect':
        entries.push({ verb: 'redirect', url: event.url });
        break;
      case 'hangup':
        if (event.by === 'twiml') entries.push({ verb: 'hangup' });
        break;
      default:
        break;
    }
  }
  return entries;
}

export type PlayedCalls = { results: CallResult[]; events: TranscriptEvent[]; api: FakeTwilioApi };

export type PlayOptions = Partial<SimulationOptions> & {
  /**
   * The project's clock follows the simulated one from epoch milliseconds `start` (the test fakes
   * `Date` with vi.useFakeTimers): marks, wrap-ups and line waits run in simulated time, and the local
   * wake-up queue delivers on the simulated clock, as SQS would at that second.
   */
  projectClockFrom?: number;
  /**
   * With `projectClockFrom`: who receives a due wake-up; default this process's queue (as `npm start`),
   * or the wake-up function's handler, given the wake-ups as an SQS event.
   */
  wakeUpsTo?: (wakeUps: WakeUp[]) => Promise<unknown>;
};

/**
 * Several calls on one simulated clock against the voice handler in this process, with the fake
 * Twilio REST API listening where the handler's client points (TWILIO_API_BASE_URL).
 */
export async function playCalls(callers: CallerScript[], devices: Behaviours = {}, options: PlayOptions = {}): Promise<PlayedCalls> {
  const { projectClockFrom: start, wakeUpsTo, transport: inner = inProcessTransport, ...simulationOptions } = options;
  const directory = await memberDirectory();
  // Declared before the transport that reads its clock; assigned before any request is sent.
  let simulation: Simulation | undefined;
  const setProjectClock = (): void => {
    if (start !== undefined && simulation !== undefined) vi.setSystemTime(start + simulation.clock.now * 1000);
  };
  const transport: Transport =
    start === undefined
      ? inner
      : async (request) => {
          setProjectClock();
          return inner(request);
        };
  const played = new Simulation({
    baseUrl: `https://${TEST_HOST}`,
    authToken: authToken(),
    transport,
    devices,
    directory,
    ...simulationOptions,
  });
  simulation = played;
  if (start !== undefined) {
    useWakeUpTimer((atMs, fire) => {
      let cancelled = false;
      void played.clock.sleep((atMs - start) / 1000 - played.clock.now).then(() =>
        played.clock.track(async () => {
          if (cancelled) return;
          setProjectClock();
          // The delivery is its own invocation, not part of the webhook that armed this timer.
          await outsideBudget(async () => (wakeUpsTo === undefined ? fire() : wakeUpsTo(takeDueWakeUps())));
        }),
      );
      return () => {
        cancelled = true;
      };
    });
  }
  const api = new FakeTwilioApi(played, { accountSid: played.accountSid, authToken: authToken() });
  await api.listen(testApiPort());
  try {
    const results = await played.run(callers);
    return { results, events: played.events, api };
  } finally {
    if (start !== undefined) useWakeUpTimer(undefined);
    await api.close();
  }
}

/** Device address -> member id, from the admin API, so offers name members. */
async function memberDirectory(): Promise<Map<string, string>> {
  const { users } = (await admin('GET', '/users')).body as {
    users: { id: string; devices: { identity?: string; number?: string; uri?: string }[] }[];
  };
  return new Map(
    users.flatMap((user) =>
      user.devices.map((device): [string, string] => [device.identity ?? device.number ?? device.uri ?? '', user.id]),
    ),
  );
}

/** The number of the simulated caller who calls at `second`: each caller's own, the same in every run. */
export const callerNumber = (second: number): string => `+1555000${String(second).padStart(4, '0')}`;

/** Callers of `to`: each calls at its second of the simulation, from its own number. */
export function callersOf(to: string): (id: string, second: number, extra?: Partial<CallerScript>) => CallerScript {
  return (id, second, extra = {}) => ({ id, from: callerNumber(second), to, at: second, ...extra });
}

/** One call, played by `playCalls`; a call the simulator ends in an error throws with its errors. */
export async function playCall(script: CallScript): Promise<PlayedCall> {
  const caller: CallerScript = {
    id: 'call',
    from: script.from ?? '+15550001111',
    to: script.to,
    ...(script.digits === undefined ? {} : { digits: script.digits }),
    message: script.voicemailSeconds ?? 10,
  };
  const { results, events } = await playCalls([caller], script.devices ?? {});
  const [result] = results;
  if (result === undefined) throw new Error('no call was played');
  const { ended } = result;
  if (ended === 'error' || result.errors.length > 0) throw new Error(`the call failed: ${result.errors.join('; ')}`);
  return {
    transcript: toEntries(events),
    requests: result.requests,
    offers: result.offers.map((offer) => ({
      nouns: offer.nouns,
      status: offer.status,
      ...(offer.answeredBy === undefined ? {} : { answeredBy: offer.answeredBy }),
    })),
    ended,
    result,
    events,
  };
}

/** What the caller heard, one line per <Say>. */
export function spoken(call: PlayedCall): string[] {
  return call.transcript.flatMap((entry) => (entry.verb === 'say' ? [entry.text] : []));
}

/** TwiML parsed and checked against Twilio's rules, for asserting on single answers. */
export function parseTwiml(xml: string): TwimlElement[] {
  return parseCheckedTwiml(xml);
}
