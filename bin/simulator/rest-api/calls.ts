import type { Simulation } from '../engine.js';
import { absoluteUrl, error, notFound, unknownField, badMethod, type Answer, type Params } from './answers.js';
import { callJson } from './call-json.js';

/**
 * The Calls and Queue members resources, acting on the running simulation: a live call is redirected
 * or ended at once, a waiting caller leaves its queue (https://www.twilio.com/docs/voice/api/call-resource,
 * https://www.twilio.com/docs/voice/api/queue-member). Creating a call: call-create.ts.
 */

const CALL_FIELDS = new Set([
  'Url',
  'Method',
  'Twiml',
  'Status',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
  'TimeLimit',
]);
const MEMBER_FIELDS = new Set(['Url', 'Method']);
/** Twilio's limit on TwiML sent inline with a call update. */
export const MAX_INLINE_TWIML = 4000;

type LiveCall = NonNullable<ReturnType<Simulation['liveCall']>>;

function callResource(simulation: Simulation, accountSid: string, sid: string, live: LiveCall, status: string): Record<string, unknown> {
  return callJson(accountSid, { sid, status, from: live.from, to: live.to, direction: live.direction, created: simulation.date() });
}

/** GET /Calls/{CallSid}.json: a call of the simulation (a created call's final status once it ended). */
export function fetchCall(simulation: Simulation | undefined, accountSid: string, sid: string): Answer {
  const live = /^CA[0-9a-f]{32}$/.test(sid) ? simulation?.liveCall(sid) : undefined;
  if (simulation === undefined || live === undefined) return notFound(`/Calls/${sid}.json`);
  return { status: 200, body: callResource(simulation, accountSid, sid, live, live.queued ? 'queued' : live.status) };
}

/** POST /Calls/{CallSid}.json: Url or Twiml redirects a live call at once; Status=completed ends it. */
export function updateCall(simulation: Simulation | undefined, accountSid: string, sid: string, params: Params): Answer {
  const invalid =
    unknownField(params, CALL_FIELDS) ??
    badMethod(params, 'Method') ??
    badMethod(params, 'FallbackMethod') ??
    badMethod(params, 'StatusCallbackMethod');
  if (invalid !== undefined) return invalid;
  if (!/^CA[0-9a-f]{32}$/.test(sid)) return notFound(`/Calls/${sid}.json`, 'not a CallSid');
  const live = simulation?.liveCall(sid);
  if (simulation === undefined || live === undefined) return notFound(`/Calls/${sid}.json`);
  const { Url: url, Twiml: twiml, Status: status } = params;
  if (url === undefined && twiml === undefined && status === undefined) return error(400, 21201, 'No Url, Twiml or Status given');
  if (url !== undefined && twiml !== undefined) return error(400, 21201, 'Give Url or Twiml, not both');
  if (url !== undefined && !absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
  if (twiml !== undefined && twiml.length > MAX_INLINE_TWIML)
    return error(400, 21218, `Twiml is ${twiml.length} characters; at most ${MAX_INLINE_TWIML} are allowed`);
  if (status !== undefined && status !== 'completed' && status !== 'canceled')
    return error(400, 21218, `Status must be completed or canceled, not ${status}`);
  if (live.ended) return error(400, 21220, 'Call is not in-progress. Cannot redirect.');
  const notAnswered = live.status === 'ringing' || live.status === 'queued';
  if (status === 'completed' || (status === 'canceled' && notAnswered)) {
    simulation.endCall(sid);
    return {
      status: 200,
      body: callResource(simulation, accountSid, sid, live, live.direction === 'outbound-api' && notAnswered ? 'canceled' : 'completed'),
    };
  }
  // A created call runs its Url once answered; until then there is no TwiML to move it off.
  if (live.direction === 'outbound-api' && notAnswered) return error(400, 21220, 'Call is not in-progress. Cannot redirect.');
  if (url !== undefined || twiml !== undefined) {
    simulation.redirectCall(sid, {
      ...(url === undefined ? {} : { url }),
      ...(twiml === undefined ? {} : { twiml }),
      ...(params.Method === undefined ? {} : { method: params.Method }),
    });
  }
  return { status: 200, body: callResource(simulation, accountSid, sid, live, live.status) };
}

/** POST /Queues/{QueueSid}/Members/{CallSid|Front}.json with Url: that caller leaves the line and runs Url. */
export function dequeue(simulation: Simulation | undefined, accountSid: string, queueSid: string, who: string, params: Params): Answer {
  const invalid = unknownField(params, MEMBER_FIELDS) ?? badMethod(params, 'Method');
  if (invalid !== undefined) return invalid;
  if (simulation === undefined || !/^QU[0-9a-f]{32}$/.test(queueSid) || simulation.queueBySid(queueSid) === undefined)
    return notFound(`/Queues/${queueSid}`);
  if (who !== 'Front' && !/^CA[0-9a-f]{32}$/.test(who)) return notFound(`/Members/${who}.json`, 'not a CallSid or Front');
  const url = params.Url;
  if (url === undefined) return error(400, 21201, 'Url is required to dequeue a member');
  if (!absoluteUrl(url)) return error(400, 21205, `Url is not a valid URL: ${url}`);
  const dequeued = simulation.dequeue(queueSid, who, url, params.Method);
  if (dequeued === undefined) return error(404, 20404, `Call ${who} is not waiting in queue ${queueSid}`);
  return {
    status: 200,
    body: {
      call_sid: dequeued.callSid,
      queue_sid: queueSid,
      position: dequeued.position,
      wait_time: dequeued.waitTime,
      uri: `/2010-04-01/Accounts/${accountSid}/Queues/${queueSid}/Members/${dequeued.callSid}.json`,
    },
  };
}
