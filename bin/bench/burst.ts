import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { localContext, simulatorWebhookEvent, toLambdaEvent } from '../local/lambda-event.js';
import type { LambdaHttpHandler } from '../local/server.js';
import { Simulation, type CallerScript, type DeviceBehaviour, type Transport } from '../simulator/engine.js';
import { FakeTwilioApi } from '../simulator/rest-api.js';
import { failedWrites, inRoute, installFailureCounter, takeTallies, type RouteTally } from './dynamo-failures.js';
import { limiter, putAdmin } from './in-process.js';
import { seededRandom } from '../simulator/seeded-random.js';
import { callsHearing, countBy, doubleOffers, firstEnqueued, offersPerMember, outcomeOf } from './timeline.js';
import { percentile, round } from './stats.js';

/**
 * The burst figure of `npm run bench`: many callers at the same second into one evenly group, played
 * by the call simulator's engine against the voice handler in this process (the engine as Twilio,
 * its fake REST API on `apiPort`), on DynamoDB Local. Everything reported is read from the engine's
 * time line and from a counting middleware on the store's DynamoDB client, so the figure stays
 * honest whatever the handlers do inside.
 */
export type BurstOptions = {
  calls: number;
  members: number;
  seed: number;
  /** Seconds a member talks once their device answered. */
  talkSeconds: number;
  /** Callers hang up this many seconds after they called (while waiting, ringing or talking). */
  patienceSeconds: number;
  /**
   * At most this many webhooks in flight at once (0: no limit). Every webhook here shares the store's
   * one DynamoDB client, whose 50 sockets and 300 ms connection timeout (which counts the time a
   * request waits for a socket) fail requests once more than about 50 are in flight: something a
   * Lambda instance, one webhook at a time, never sees. The default keeps below that.
   */
  concurrency: number;
  /** Seconds one play of the hold music lasts: a waiting caller's waitUrl is requested again after each. */
  holdSeconds: number;
};

export type BurstDeps = {
  voice: LambdaHttpHandler;
  admin: LambdaHttpHandler;
  documentClient: Pick<DynamoDBDocumentClient, 'middlewareStack'>;
  authToken: string;
  /** The port TWILIO_API_BASE_URL points at (set before the handlers were imported). */
  apiPort: number;
  report: (figure: string, fields: Record<string, unknown>) => void;
};

type MissedCallAction = { action: 'voicemail' } | { action: 'wait-for-agent'; maxWaitSeconds: number };

const HOST = 'bench.example';
/** Devices answer after 1 to 10 s (0.1 s steps), drawn per ring from one seeded stream per member. */
function answeringDevices(members: readonly string[], options: BurstOptions): Record<string, DeviceBehaviour[]> {
  const rings = Math.max(100, options.calls * 4);
  return Object.fromEntries(
    members.map((member, index) => {
      const random = seededRandom(options.seed * 1000 + index + 1);
      return [
        member,
        Array.from({ length: rings }, (): DeviceBehaviour => ({
          answerAfter: 1 + Math.floor(random() * 91) / 10,
          hangUpAfter: options.talkSeconds,
        })),
      ];
    }),
  );
}

async function configure(
  deps: BurstDeps,
  group: string,
  members: readonly string[],
  number: string,
  whenNobodyAnswers: MissedCallAction,
): Promise<void> {
  for (const id of members) await putAdmin(deps.admin, `/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  await putAdmin(deps.admin, `/groups/${group}`, { name: group, members, distribution: 'evenly', whenNobodyAnswers });
  await putAdmin(deps.admin, `/numbers/${number}`, { group });
}

type WebhookLog = { route: string; ms: number; apology: boolean; status: number; errors: string[]; outOfTime: boolean };

/** The voice handler in this process, as over HTTP, each webhook counted under its route. */
function countingTransport(voice: LambdaHttpHandler, log: WebhookLog[], apology: string, concurrency: number): Transport {
  const limited = limiter(concurrency);
  return async (request) => {
    const route = new URL(request.url).pathname.replace(/^.*\/voice\//, '');
    const event = simulatorWebhookEvent(request);
    return limited(async () => {
      const started = performance.now();
      const context = localContext('voice');
      const { value, errors } = await inRoute(route, () => voice(event, context));
      const result = value as APIGatewayProxyStructuredResultV2 | undefined;
      const body = result?.body ?? '';
      const status = result?.statusCode ?? 200;
      // A webhook that ran into the function's deadline (middy then ends it with a TimeoutError).
      const outOfTime = context.getRemainingTimeInMillis() <= 50;
      log.push({ route, ms: performance.now() - started, apology: body.includes(apology), status, errors, outOfTime });
      return { status, body };
    });
  };
}

function tallyFields(tallies: ReadonlyMap<string, RouteTally>): Record<string, unknown> {
  return Object.fromEntries(
    [...tallies]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, tally]) => [
        route,
        {
          webhooks: tally.webhooks,
          dynamoRequests: tally.requests,
          conditionalCheckFailed: tally.conditionalCheckFailed,
          transactionCanceled: tally.transactionCanceled,
          ...(Object.keys(tally.cancellationReasons).length === 0 ? {} : { cancellationReasons: tally.cancellationReasons }),
          ...(Object.keys(tally.otherErrors).length === 0 ? {} : { otherErrors: tally.otherErrors }),
        },
      ]),
  );
}

async function runBurst(deps: BurstDeps, options: BurstOptions, missed: MissedCallAction, label: string, number: string): Promise<void> {
  const group = `burst-${label}`;
  const members = Array.from({ length: options.members }, (_unused, index) => `${label}-m${index + 1}`);
  await configure(deps, group, members, number, missed);

  installFailureCounter(deps.documentClient);
  takeTallies();
  const apology = defaultPrompts.apology;
  const webhooks: WebhookLog[] = [];
  const simulation = new Simulation({
    baseUrl: `https://${HOST}`,
    authToken: deps.authToken,
    transport: countingTransport(deps.voice, webhooks, apology, options.concurrency),
    devices: answeringDevices(members, options),
    directory: new Map(members.map((member) => [member, member])),
    playSeconds: options.holdSeconds,
  });
  const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: deps.authToken });
  await api.listen(deps.apiPort);
  const callers: CallerScript[] = Array.from({ length: options.calls }, (_unused, index) => ({
    id: `c${String(index + 1).padStart(4, '0')}`,
    from: `+1555${String(index + 1).padStart(7, '0')}`,
    to: number,
    at: 0,
    hangUpAfter: options.patienceSeconds,
  }));
  const started = performance.now();
  let results;
  try {
    results = await simulation.run(callers);
  } finally {
    await api.close();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const tallies = takeTallies();
  const stored = await storedVoicemails(deps, new Set(results.map((result) => result.sid)));

  const events = simulation.events;
  const heardApology = callsHearing(events, apology);
  const doubles = doubleOffers(events);
  const perMember = offersPerMember(events, members);
  const counts = Object.values(perMember);
  const enqueued = firstEnqueued(events);
  const incoming = tallies.get('incoming');
  const allFailed = [...tallies.values()].reduce((sum, tally) => sum + failedWrites(tally), 0);
  const incomingWebhooks = incoming?.webhooks ?? 0;
  const outcomes = countBy(results, outcomeOf);
  const simulatedSeconds = Math.max(0, ...results.map((result) => result.endedAt));

  const common = {
    missedCallAction: missed.action,
    calls: options.calls,
    members: options.members,
    apologies: heardApology.size,
    doubleOffers: doubles.length,
    failedConditionalWritesPerIncomingCall:
      incomingWebhooks === 0 ? 0 : round((incoming === undefined ? 0 : failedWrites(incoming)) / incomingWebhooks),
    failedConditionalWritesPerCall: round(allFailed / options.calls),
    // Failed store requests that are not conditional, by name in burst_detail: TimeoutError means this
    // process or DynamoDB Local was saturated (apologies may then come from that, not from the logic);
    // others (ValidationException, ...) are the handlers' own.
    otherDynamoErrors: [...tallies.values()].reduce((sum, tally) => sum + Object.values(tally.otherErrors).reduce((a, b) => a + b, 0), 0),
    offersPerMember: perMember,
    offersMaxMinusMin: counts.length === 0 ? 0 : Math.max(...counts) - Math.min(...counts),
    // Calls Twilio would have ended with its "application error" (a non-200 answer or TwiML it refuses).
    applicationErrors: results.filter((result) => result.errors.length > 0).length,
    answered: outcomes.answered ?? 0,
    voicemail: outcomes.voicemail ?? 0,
    other: options.calls - (outcomes.answered ?? 0) - (outcomes.voicemail ?? 0),
  };
  const waiting =
    missed.action === 'wait-for-agent'
      ? {
          neitherEnqueuedNorServed: results.filter((result) => result.answeredBy === undefined && !enqueued.has(result.id)).length,
          servedFromLine: results.filter(
            (result) => result.answeredBy !== undefined && (enqueued.get(result.id) ?? Infinity) <= (result.answeredAt ?? -Infinity),
          ).length,
          hungUpWaiting: results.filter(
            (result) => result.answeredBy === undefined && enqueued.has(result.id) && result.ended === 'caller-hung-up',
          ).length,
        }
      : {};
  deps.report('burst', {
    ...common,
    ...waiting,
    concurrency: options.concurrency,
    wallSeconds: round(wallSeconds),
    simulatedSeconds: round(simulatedSeconds),
  });

  // The evidence behind the figure: where the failures and apologies come from.
  const apologyAnswers = webhooks.filter((webhook) => webhook.apology);
  const byRoute = countBy(apologyAnswers, (webhook) => webhook.route.replace(/\?.*/, ''));
  // Why each apology was answered, as far as can be seen from outside: the webhook ran out of the
  // function's time, and the error names of the store's requests that failed during it.
  const byCause = countBy(
    apologyAnswers,
    (webhook) =>
      [...(webhook.outOfTime ? ['function deadline'] : []), ...[...new Set(webhook.errors)].sort()].join(' + ') ||
      'no failed DynamoDB request',
  );
  const messages = results.flatMap((result) => result.recordings.filter((recording) => recording.seconds >= 2).map(() => result.sid));
  const restErrors = countBy(
    api.requests.filter((request) => request.status >= 400),
    (request) => `${request.status} ${(request.error ?? '').replace(/(CA|QU)[0-9a-f]{32}/g, '$1…')}`,
  );
  const incomingMs = webhooks.filter((webhook) => webhook.route === 'incoming').map((webhook) => webhook.ms);
  deps.report('burst_detail', {
    missedCallAction: missed.action,
    outcomes,
    callsWithErrors: results.filter((result) => result.errors.length > 0).length,
    errors: countBy(
      results.flatMap((result) => result.errors),
      (error) => error.replace(/(CA|QU|RE)[0-9a-f]{32}/g, '$1…').slice(0, 160),
    ),
    apologyAnswersByRoute: byRoute,
    apologyAnswersByCause: byCause,
    webhooksPastDeadline: webhooks.filter((webhook) => webhook.outOfTime).length,
    callsRecordingMoreThanOnce: results.filter((result) => result.recordings.length > 1).length,
    messagesLeft: messages.length,
    messagesStored: stored.total,
    messagesStoredWithoutGroup: stored.withoutGroup,
    webhooks: webhooks.length,
    non200Answers: webhooks.filter((webhook) => webhook.status !== 200).length,
    incomingMs: {
      median: round(percentile(incomingMs, 50)),
      p99: round(percentile(incomingMs, 99)),
      max: round(Math.max(0, ...incomingMs)),
    },
    slowestWebhookMs: round(Math.max(0, ...webhooks.map((webhook) => webhook.ms))),
    restRequests: api.requests.length,
    restErrors,
    dynamoByRoute: tallyFields(tallies),
    doubleOfferExamples: doubles.slice(0, 5),
  });
}

/** The voicemails the admin API lists for these calls (newest first, at most 1000); nulls when it cannot tell. */
async function storedVoicemails(
  deps: BurstDeps,
  callSids: ReadonlySet<string>,
): Promise<{ total: number | null; withoutGroup: number | null }> {
  try {
    const event = toLambdaEvent({ method: 'GET', rawPath: '/voicemails', rawQueryString: 'limit=1000', headers: {}, body: '' });
    const result = (await deps.admin(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;
    if ((result.statusCode ?? 500) >= 300) return { total: null, withoutGroup: null };
    const { voicemails } = JSON.parse(result.body ?? '{}') as { voicemails?: { callSid?: string; group?: string }[] };
    const ours = (voicemails ?? []).filter((voicemail) => voicemail.callSid !== undefined && callSids.has(voicemail.callSid));
    return { total: ours.length, withoutGroup: ours.filter((voicemail) => voicemail.group === undefined).length };
  } catch {
    return { total: null, withoutGroup: null };
  }
}

/** Both runs: `voicemail`, then `wait-for-agent` with a maxWaitSeconds no caller's patience reaches. */
export async function burstFigures(deps: BurstDeps, options: BurstOptions): Promise<void> {
  await runBurst(deps, options, { action: 'voicemail' }, 'vm', '+4930000101');
  // Waiting longer than any caller's patience: nobody leaves the line for voicemail.
  await runBurst(
    deps,
    options,
    { action: 'wait-for-agent', maxWaitSeconds: Math.min(86_400, Math.max(10, options.patienceSeconds * 10)) },
    'wait',
    '+4930000102',
  );
}
