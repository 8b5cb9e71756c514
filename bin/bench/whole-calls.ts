import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { localContext, simulatorWebhookEvent } from '../local/lambda-event.js';
import type { LambdaHttpHandler } from '../local/server.js';
import { Simulation, type Behaviours, type CallResult, type CallerScript, type Transport } from '../simulator/engine.js';
import { FakeTwilioApi } from '../simulator/rest-api.js';
import { limiter, putAdmin } from './in-process.js';
import { installMeter, meter, readsImages, type MeteredRequest } from './request-meter.js';
import { unitsOf } from './units.js';
import { round } from './stats.js';

/**
 * The `whole_call` figures of `npm run bench`: what one whole call costs in DynamoDB and Lambda, for
 * three kinds of call, each in a fresh group of its own. The call is played by the call simulator's
 * engine against the voice handler in this process (its fake REST API on `apiPort`, as in burst.ts),
 * and every webhook of the call is metered (bin/bench/request-meter.ts, with item images): the
 * incoming call, each <Dial> action, the offers' leg callbacks, hold-music (waitUrl) requests,
 * voicemail callbacks, the status callback, and the dispatch that offers a waiting caller to a member
 * who frees up. Units by DynamoDB's rules (bin/bench/units.ts), not DynamoDB Local's.
 *
 * (a) answered on its 2nd offer: evenly group of 3; the first member's device does not answer, the
 *     second answers after 3 s and talks 60 s.
 * (b) voicemail after 5 unanswered offers: in-order group of 5, nobody answers, the caller leaves a
 *     20 s message.
 * (c) a caller who waits 2 minutes in the line with 50 others: wait-for-agent group of 3 members, all
 *     away, so 51 callers queue (the measured one first, the others a second later); hold music lasts
 *     30 s, so the waitUrl is requested every 30 s; just before the caller's request at 120 s one
 *     member is back (PUT /users/{id}/status). The admin function then offers them the caller at once
 *     through the REST API, as deployed, when it knows the voice URL (VOICE_BASE_URL, set before the
 *     handlers were imported); without it the caller's own hold-music request at 120 s claims the
 *     member (`servedBy` says which). That admin request is the dispatch when a member frees up,
 *     metered as part of the call; the other callers hang up after 4 minutes.
 *
 * Cost per 1000 such calls, DynamoDB on demand and the Lambda request charge only (no duration, no
 * API Gateway), at PRICES.
 */
export type WholeCallDeps = {
  voice: LambdaHttpHandler;
  admin: LambdaHttpHandler;
  /** The store's one client (functions/store/client.ts): metered, with item images read through a second client. */
  documentClient: Pick<DynamoDBDocumentClient, 'middlewareStack' | 'config'>;
  authToken: string;
  /** The port TWILIO_API_BASE_URL points at (set before the handlers were imported). */
  apiPort: number;
  report: (figure: string, fields: Record<string, unknown>) => void;
};

/**
 * List prices, us-east-1 (US East, N. Virginia), Standard table class, after the November 2024 cut of
 * on-demand throughput prices (halved from $1.25 / $0.25):
 * https://aws.amazon.com/dynamodb/pricing/on-demand/ and https://aws.amazon.com/lambda/pricing/.
 */
export const PRICES = {
  region: 'us-east-1',
  dynamoDbWriteRequestUnitUsdPerMillion: 0.625,
  dynamoDbReadRequestUnitUsdPerMillion: 0.125,
  lambdaRequestUsdPerMillion: 0.2,
  sources: ['https://aws.amazon.com/dynamodb/pricing/on-demand/', 'https://aws.amazon.com/lambda/pricing/'],
} as const;

const HOST = 'bench.example';
const HOLD_SECONDS = 30;
/** One metered webhook of the measured call (or the admin request that freed a member for it). */
type Webhook = { route: string; status: number; requests: readonly MeteredRequest[]; roundTrips: number; function: 'voice' | 'admin' };

type Plan = {
  label: string;
  distribution: 'evenly' | 'in-order';
  members: number;
  whenNobodyAnswers: Record<string, unknown>;
  devices: (members: readonly string[]) => Behaviours;
  /** Members away before the call. */
  away: (members: readonly string[]) => string[];
  caller: Partial<CallerScript>;
  others: number;
  /** Simulated second at which the first member comes back (PUT status available), metered with the call. */
  backAt?: number;
  check: (result: CallResult, members: readonly string[]) => string[];
};

const talk = (seconds: number) => ({ answerAfter: 3, hangUpAfter: seconds });

const PLANS: readonly Plan[] = [
  {
    label: 'answered on the 2nd offer',
    distribution: 'evenly',
    members: 3,
    whenNobodyAnswers: { action: 'voicemail' },
    devices: ([first, second, third]) => ({ [first ?? '']: 'no-answer', [second ?? '']: talk(60), [third ?? '']: 'no-answer' }),
    away: () => [],
    caller: {},
    others: 0,
    check: (result, [first, second]) => [
      ...(result.offers.length === 2 ? [] : [`${result.offers.length} offers, not 2`]),
      ...(result.offers[0]?.members.join() === first && result.offers[0]?.status === 'no-answer'
        ? []
        : [`first offer ${JSON.stringify(result.offers[0])}`]),
      ...(result.answeredBy === second && result.talkSeconds === 60
        ? []
        : [`answered by ${result.answeredBy ?? 'nobody'} for ${result.talkSeconds ?? 0} s`]),
    ],
  },
  {
    label: 'voicemail after 5 unanswered offers',
    distribution: 'in-order',
    members: 5,
    whenNobodyAnswers: { action: 'voicemail' },
    devices: (members) => Object.fromEntries(members.map((member) => [member, 'no-answer'])),
    away: () => [],
    caller: { message: 20 },
    others: 0,
    check: (result) => [
      ...(result.offers.length === 5 && result.offers.every((offer) => offer.status === 'no-answer')
        ? []
        : [`offers ${JSON.stringify(result.offers.map((offer) => offer.status))}`]),
      ...(result.recordings.length === 1 && result.recordings[0]?.seconds === 20
        ? []
        : [`recordings ${JSON.stringify(result.recordings)}`]),
    ],
  },
  {
    label: 'waited 2 minutes in a line of 51',
    distribution: 'evenly',
    members: 3,
    whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 600 },
    devices: ([first]) => ({ [first ?? '']: Array.from({ length: 10 }, () => talk(60)) }),
    away: (members) => [...members],
    caller: {},
    others: 50,
    // Between the caller's hold-music requests at 90 s and 120 s, before the others' at 121 s.
    backAt: 119.5,
    check: (result, [first]) => [
      ...(result.answeredBy === first ? [] : [`answered by ${result.answeredBy ?? 'nobody'}`]),
      ...(result.answeredAt !== undefined && result.answeredAt >= 120 && result.answeredAt < 160
        ? []
        : [`answered at ${result.answeredAt ?? 'never'} s`]),
    ],
  },
];

let runs = 0;

/** The three whole-call figures, one `whole_call` line each. */
export async function wholeCallFigures(deps: WholeCallDeps): Promise<void> {
  const run = (runs += 1);
  const setups: Setup[] = [];
  for (const [index, plan] of PLANS.entries())
    setups.push(await configure(deps, plan, `wc${run}-${'abc'[index] ?? index}`, `+49302${String(run).padStart(3, '0')}${index}`));
  await warmConfiguration(deps);
  // Item images for the write units; left as they were found afterwards.
  const hadImages = readsImages(deps.documentClient);
  installMeter(deps.documentClient, { images: true });
  try {
    for (const setup of setups) deps.report('whole_call', await playWholeCall(deps, setup));
  } finally {
    if (!hadImages) installMeter(deps.documentClient, { images: false });
  }
}

type Setup = { plan: Plan; members: string[]; number: string };

/** A fresh group for the call: its members (some away), the group, the number. */
async function configure(deps: WholeCallDeps, plan: Plan, group: string, number: string): Promise<Setup> {
  const members = Array.from({ length: plan.members }, (_unused, index) => `${group}-m${index + 1}`);
  for (const id of members) await putAdmin(deps.admin, `/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  await putAdmin(deps.admin, `/groups/${group}`, {
    name: group,
    members,
    distribution: plan.distribution,
    whenNobodyAnswers: plan.whenNobodyAnswers,
  });
  await putAdmin(deps.admin, `/numbers/${number}`, { group });
  for (const id of plan.away(members)) await putAdmin(deps.admin, `/users/${id}/status`, { status: 'away' });
  return { plan, members, number };
}

/**
 * The voice function's configuration cache as on a normal day: loaded once after the administrator's
 * last change (a call to a number nobody configured), so the measured calls do not pay for the load.
 */
async function warmConfiguration(deps: WholeCallDeps): Promise<void> {
  const url = `https://${HOST}/voice/incoming`;
  const params = {
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    From: '+15550000000',
    To: '+15550000001',
    CallStatus: 'ringing',
    Direction: 'inbound',
  };
  await deps.voice(
    simulatorWebhookEvent({ url, method: 'POST', params, signature: getExpectedTwilioSignature(deps.authToken, url, params) }),
    localContext('voice'),
  );
}

/** The voice handler in this process; the measured call's webhooks each metered. */
function meteringTransport(voice: LambdaHttpHandler, sid: string, webhooks: Webhook[]): Transport {
  // Under the store client's 50 sockets, as burst.ts keeps it.
  const limited = limiter(25);
  return async (request) =>
    limited(async () => {
      const url = new URL(request.url);
      const params = request.method === 'GET' ? Object.fromEntries(url.searchParams) : request.params;
      const invoke = async (): Promise<{ status: number; body: string }> => {
        const result = (await voice(simulatorWebhookEvent(request), localContext('voice'))) as
          APIGatewayProxyStructuredResultV2 | undefined;
        return { status: result?.statusCode ?? 200, body: result?.body ?? '' };
      };
      if (params.CallSid !== sid && params.ParentCallSid !== sid) return invoke();
      const metered = await meter(invoke);
      webhooks.push({
        route: url.pathname.replace(/^.*\/voice\//, ''),
        status: metered.value.status,
        requests: metered.requests,
        roundTrips: metered.roundTrips,
        function: 'voice',
      });
      return metered.value;
    });
}

const count = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

function byKind(units: ReturnType<typeof unitsOf>, which: 'read' | 'write'): Record<string, number> {
  return Object.fromEntries(
    Object.entries(units.byItemKind)
      .filter(([, tally]) => tally[which] > 0)
      .sort(([, a], [, b]) => b[which] - a[which])
      .map(([kind, tally]) => [kind, tally[which]]),
  );
}

async function playWholeCall(deps: WholeCallDeps, { plan, members, number }: Setup): Promise<Record<string, unknown>> {
  const sid = `CA${randomBytes(16).toString('hex')}`;
  const webhooks: Webhook[] = [];
  const simulation = new Simulation({
    baseUrl: `https://${HOST}`,
    authToken: deps.authToken,
    transport: meteringTransport(deps.voice, sid, webhooks),
    devices: plan.devices(members),
    directory: new Map(members.map((member) => [member, member])),
    playSeconds: HOLD_SECONDS,
  });
  const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: deps.authToken });
  await api.listen(deps.apiPort);
  const back = members[0];
  if (plan.backAt !== undefined && back !== undefined) {
    const backAt = plan.backAt;
    void simulation.clock.sleep(backAt).then(() =>
      simulation.clock.track(async () => {
        const metered = await meter(() => putAdmin(deps.admin, `/users/${back}/status`, { status: 'available' }));
        webhooks.push({
          route: 'admin: member back (PUT /users/{id}/status)',
          status: 200,
          requests: metered.requests,
          roundTrips: metered.roundTrips,
          function: 'admin',
        });
      }),
    );
  }
  const callers: CallerScript[] = [
    { id: 'measured', sid, from: '+15550009999', to: number, at: 0, ...plan.caller },
    ...Array.from({ length: plan.others }, (_unused, index) => ({
      id: `other${index + 1}`,
      from: `+1555${String(index + 1).padStart(7, '0')}`,
      to: number,
      at: 1,
      hangUpAfter: 240,
    })),
  ];
  let results: CallResult[];
  try {
    results = await simulation.run(callers);
  } finally {
    await api.close();
  }
  const result = results[0] as CallResult;

  const requests = webhooks.flatMap((webhook) => webhook.requests);
  const units = unitsOf(requests);
  const invocations = webhooks.length;
  const dynamoDbUsd =
    ((units.readUnits * PRICES.dynamoDbReadRequestUnitUsdPerMillion + units.writeUnits * PRICES.dynamoDbWriteRequestUnitUsdPerMillion) /
      1e6) *
    1000;
  const lambdaUsd = ((invocations * PRICES.lambdaRequestUsdPerMillion) / 1e6) * 1000;
  const routes = [...new Set(webhooks.map((webhook) => webhook.route))].sort();
  const events = simulation.events.filter((event) => event.call === 'measured');
  const enqueued = events.find((event) => event.type === 'enqueue');
  const left = events.find((event) => event.type === 'queue-leave');
  const problems = [
    ...plan.check(result, members),
    ...webhooks.filter((webhook) => webhook.status !== 200).map((webhook) => `${webhook.route} answered ${webhook.status}`),
    ...result.errors,
  ];
  return {
    call: plan.label,
    group: { distribution: plan.distribution, members: plan.members, whenNobodyAnswers: plan.whenNobodyAnswers.action },
    asPlanned: problems.length === 0,
    ...(problems.length === 0 ? {} : { problems }),
    simulatedSeconds: round(result.endedAt - result.startedAt),
    offers: result.offers.length,
    ...(plan.others === 0
      ? {}
      : {
          callersInLine: plan.others + 1,
          waitedSeconds: left !== undefined && enqueued !== undefined ? round(left.at - enqueued.at) : null,
          holdMusicRequests: webhooks.filter((webhook) => webhook.route.startsWith('line-wait')).length,
          // Moved by the REST API when the member came back, or claimed by its own hold-music request.
          servedBy: events.some((event) => event.type === 'rest' && event.what.startsWith('dequeued'))
            ? 'dequeued when the member came back'
            : 'its own hold-music request',
        }),
    webhooks: webhooks.filter((webhook) => webhook.function === 'voice').length,
    webhooksByRoute: count(webhooks, (webhook) => webhook.route),
    lambdaInvocations: invocations,
    requests: requests.length,
    requestsByCommand: count(requests, (request) => request.command.replace(/Command$/, '')),
    roundTrips: webhooks.reduce((sum, webhook) => sum + webhook.roundTrips, 0),
    failedRequests: count(
      requests.filter((request) => request.failed === true),
      (request) => request.error ?? 'unknown',
    ),
    readUnits: units.readUnits,
    writeUnits: units.writeUnits,
    writeUnitsByItemKind: byKind(units, 'write'),
    readUnitsByItemKind: byKind(units, 'read'),
    byRoute: Object.fromEntries(
      routes.map((route) => {
        const mine = webhooks.filter((webhook) => webhook.route === route);
        const routeUnits = unitsOf(mine.flatMap((webhook) => webhook.requests));
        return [
          route,
          {
            webhooks: mine.length,
            requests: mine.reduce((sum, webhook) => sum + webhook.requests.length, 0),
            roundTrips: mine.reduce((sum, webhook) => sum + webhook.roundTrips, 0),
            readUnits: routeUnits.readUnits,
            writeUnits: routeUnits.writeUnits,
          },
        ];
      }),
    ),
    costPer1000CallsUsd: {
      dynamoDbOnDemand: round(dynamoDbUsd, 5),
      lambdaRequests: round(lambdaUsd, 5),
      total: round(dynamoDbUsd + lambdaUsd, 5),
    },
    prices: `${PRICES.region}: DynamoDB on-demand $${PRICES.dynamoDbReadRequestUnitUsdPerMillion}/M read, $${PRICES.dynamoDbWriteRequestUnitUsdPerMillion}/M write request units; Lambda $${PRICES.lambdaRequestUsdPerMillion}/M requests`,
  };
}
