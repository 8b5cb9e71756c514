import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { listVoicemails, replaceConfiguration, type StoredVoicemail } from './configuration.js';
import { DEFAULT_CALLER } from './defaults.js';
import { Simulation, type CallResult, type CallerScript, type TranscriptEvent, type Transport } from './engine.js';
import { FakeTwilioApi, type RestRequestRecord } from './rest-api.js';
import { loadDirectory } from './transport.js';
import { behaviourSchema } from './behaviours.js';

/**
 * Scenarios: several calls on one simulated clock, the members' behaviour, and what must happen.
 * A scenario file is JSON (see test/scenarios/ and docs/simulator.md).
 */
const behavioursSchema = z.record(z.string(), z.union([behaviourSchema, z.array(behaviourSchema).min(1)]));

/** The ids the simulation gives the calls the project creates through the REST API, in order. */
const CREATED_CALL_ID = /^rest-[1-9][0-9]*$/;

const callSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .refine((id) => !CREATED_CALL_ID.test(id), 'rest-<n> names a call the project creates through the REST API'),
  sid: z
    .string()
    .regex(/^CA[0-9a-f]{32}$/)
    .optional(),
  from: z.string().default(DEFAULT_CALLER),
  to: z.string().min(1),
  at: z.number().min(0).default(0),
  digits: z
    .string()
    .regex(/^[0-9*#]+$/)
    .optional(),
  digitsAfter: z.number().min(0).optional(),
  hangUpAfter: z.number().positive().optional(),
  message: z.number().min(0).optional(),
  devices: behavioursSchema.optional(),
  path: z.enum(['/voice/incoming', '/voice/outbound']).optional(),
  talkSeconds: z.number().positive().optional(),
  conferenceDelay: z.number().min(0).optional(),
  redirectDelay: z.number().min(0).optional(),
  queueFault: z
    .strictObject({ after: z.number().min(0), result: z.enum(['error', 'system-error', 'bridging-in-process', 'redirected-from-bridged']) })
    .optional(),
  waitKeys: z
    .array(
      z.strictObject({
        after: z.number().min(0),
        digits: z.string().regex(/^[0-9*#]+$/, 'must be keys such as "1" or "4930123456#"'),
      }),
    )
    .min(1)
    .optional(),
});

const voicemailExpectation = z.strictObject({
  group: z.string().optional(),
  member: z.string().optional(),
  seconds: z.number().optional(),
});

export const expectationSchema = z.union([
  z.strictObject({ call: z.string(), answeredBy: z.string().nullable() }),
  z.strictObject({ call: z.string(), offers: z.array(z.string()) }),
  z.strictObject({ call: z.string(), hears: z.string() }),
  z.strictObject({ call: z.string(), notHears: z.string() }),
  z.strictObject({ call: z.string(), dialled: z.string() }),
  // The American spelling of earlier scenario files, read as `dialled`.
  z.strictObject({ call: z.string(), dialed: z.string() }).transform(({ call, dialed }) => ({ call, dialled: dialed })),
  z.strictObject({ call: z.string(), voicemail: voicemailExpectation.nullable() }),
  z.strictObject({
    call: z.string(),
    ended: z.enum(['hangup', 'caller-hung-up', 'document-ended', 'rejected', 'no-answer', 'busy', 'failed', 'canceled']),
  }),
  z.strictObject({ offersPerMember: z.record(z.string(), z.number().int().min(0)) }),
  z.strictObject({ firstOffersPerMember: z.record(z.string(), z.number().int().min(0)) }),
]);
export type Expectation = z.infer<typeof expectationSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** Replaces the whole configuration through the admin API before the calls. */
  config: z
    .strictObject({
      users: z.record(z.string(), z.unknown()).optional(),
      groups: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
      numbers: z.record(z.string(), z.unknown()).optional(),
      /** Opening hours (SPEC section 14); a scenario cannot set the webhooks' clock, so its schedules decide alike at any time (an override without until, no weekly ranges). */
      schedules: z.record(z.string(), z.unknown()).optional(),
      settings: z.unknown().optional(),
      statuses: z.record(z.string(), z.enum(['available', 'away'])).optional(),
    })
    .optional(),
  devices: behavioursSchema.default({}),
  calls: z.array(callSchema).min(1),
  expect: z.array(expectationSchema).default([]),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export class ScenarioFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioFileError';
  }
}

export function readScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ScenarioFileError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new ScenarioFileError(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
  const ids = parsed.data.calls.map((call) => call.id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined) throw new ScenarioFileError(`${file}: call id ${duplicate} is used twice`);
  for (const expectation of parsed.data.expect) {
    // rest-1, rest-2, ...: the calls the project creates, in order (not known before the run).
    if ('call' in expectation && !ids.includes(expectation.call) && !CREATED_CALL_ID.test(expectation.call))
      throw new ScenarioFileError(`${file}: an expectation names call ${expectation.call}, which the scenario does not place`);
  }
  return parsed.data;
}

export type ScenarioTarget = {
  /** Where the voice webhooks are, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** The admin API, for the configuration, member names and voicemails; unset for a deployment. */
  adminUrl?: string;
  authToken: string;
  accountSid?: string;
  transport: Transport;
  /** Port for the fake Twilio REST API (0: any free port). */
  apiPort?: number;
};

export type ScenarioReport = {
  name: string;
  passed: boolean;
  failures: string[];
  results: CallResult[];
  events: TranscriptEvent[];
  restRequests: RestRequestRecord[];
  voicemails: StoredVoicemail[];
};

function describeExpectation(expectation: Expectation): string {
  return JSON.stringify(expectation);
}

/** The members (else device addresses) of each offer, joined with "+" for offers that ring several. */
export function offerLabels(result: CallResult): string[] {
  return result.offers.map((offer) => (offer.members.length > 0 ? offer.members : offer.nouns).join('+'));
}

/** Why an expectation does not hold, or undefined when it does. */
export function checkExpectation(
  expectation: Expectation,
  results: ReadonlyMap<string, CallResult>,
  events: readonly TranscriptEvent[],
  voicemails: readonly StoredVoicemail[] | undefined,
): string | undefined {
  if ('offersPerMember' in expectation || 'firstOffersPerMember' in expectation) {
    const firstOnly = 'firstOffersPerMember' in expectation;
    const wanted = 'firstOffersPerMember' in expectation ? expectation.firstOffersPerMember : expectation.offersPerMember;
    const counts = new Map<string, number>();
    for (const result of results.values()) {
      for (const offer of firstOnly ? result.offers.slice(0, 1) : result.offers)
        for (const member of offer.members) counts.set(member, (counts.get(member) ?? 0) + 1);
    }
    const wrong = Object.entries(wanted).filter(([member, count]) => (counts.get(member) ?? 0) !== count);
    if (wrong.length === 0) return undefined;
    return `${firstOnly ? 'first offers' : 'offers'} per member were ${JSON.stringify(Object.fromEntries(counts))}; expected ${wrong.map(([member, count]) => `${member}: ${count}`).join(', ')}`;
  }
  const result = results.get(expectation.call);
  if (result === undefined)
    return CREATED_CALL_ID.test(expectation.call)
      ? `the project did not create call ${expectation.call} (it created ${[...results.keys()].filter((id) => CREATED_CALL_ID.test(id)).length})`
      : `call ${expectation.call} was not placed`;
  if ('answeredBy' in expectation) {
    const actual = result.answeredBy ?? null;
    if (actual === expectation.answeredBy) return undefined;
    return actual === null
      ? `nobody answered call ${result.id} (offers: ${offerLabels(result).join(', ') || 'none'})`
      : `call ${result.id} was answered by ${actual}`;
  }
  if ('offers' in expectation) {
    const actual = offerLabels(result);
    return JSON.stringify(actual) === JSON.stringify(expectation.offers)
      ? undefined
      : `call ${result.id} was offered to ${JSON.stringify(actual)}`;
  }
  const heard = events
    .filter((event) => event.call === result.id && event.type === 'say')
    .map((event) => (event.type === 'say' ? event.text : ''));
  if ('hears' in expectation)
    return heard.some((text) => text.includes(expectation.hears)) ? undefined : `call ${result.id} heard ${JSON.stringify(heard)}`;
  if ('notHears' in expectation)
    return heard.some((text) => text.includes(expectation.notHears))
      ? `call ${result.id} heard ${JSON.stringify(expectation.notHears)}`
      : undefined;
  if ('dialled' in expectation) {
    const dialled = result.offers.flatMap((offer) => offer.nouns);
    return dialled.includes(expectation.dialled) ? undefined : `call ${result.id} dialled ${JSON.stringify(dialled)}`;
  }
  if ('ended' in expectation) return result.ended === expectation.ended ? undefined : `call ${result.id} ended ${result.ended}`;
  if ('voicemail' in expectation) {
    if (voicemails === undefined) return 'voicemails can only be checked through the admin API (give --admin-url)';
    const stored = voicemails.filter((voicemail) => voicemail.callSid === result.sid);
    const wanted = expectation.voicemail;
    if (wanted === null) return stored.length === 0 ? undefined : `call ${result.id} left a voicemail: ${JSON.stringify(stored[0])}`;
    const first = stored[0];
    if (first === undefined) return `no voicemail was stored for call ${result.id}`;
    const mismatches = [
      wanted.group !== undefined && first.group !== wanted.group ? `group ${String(first.group)}` : undefined,
      wanted.member !== undefined && first.member !== wanted.member ? `member ${String(first.member)}` : undefined,
      wanted.seconds !== undefined && first.durationSeconds !== wanted.seconds ? `${first.durationSeconds} s` : undefined,
    ].filter((mismatch): mismatch is string => mismatch !== undefined);
    return mismatches.length === 0 ? undefined : `the voicemail of call ${result.id} has ${mismatches.join(', ')}`;
  }
  return 'unknown expectation';
}

/** Run a scenario against a running project; the report says which expectations failed and why. */
export async function runScenario(scenario: Scenario, target: ScenarioTarget): Promise<ScenarioReport> {
  if (scenario.config !== undefined) {
    if (target.adminUrl === undefined)
      throw new ScenarioFileError('this scenario carries a configuration, which needs the admin API (give --admin-url)');
    await replaceConfiguration(target.adminUrl, scenario.config, { fromScratch: true });
  }
  const directory = await loadDirectory(target.adminUrl);
  const simulation = new Simulation({
    baseUrl: target.baseUrl,
    authToken: target.authToken,
    ...(target.accountSid === undefined ? {} : { accountSid: target.accountSid }),
    transport: target.transport,
    devices: scenario.devices,
    directory,
  });
  const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: target.authToken });
  await api.listen(target.apiPort ?? 0);
  let results: CallResult[];
  try {
    const callers: CallerScript[] = scenario.calls.map((call) => ({ ...call }));
    results = await simulation.run(callers);
  } finally {
    await api.close();
  }
  const voicemails = target.adminUrl === undefined ? undefined : await listVoicemails(target.adminUrl);
  const byId = new Map(results.map((result) => [result.id, result]));
  const failures: string[] = [];
  for (const result of results) for (const error of result.errors) failures.push(`call ${result.id} failed: ${error}`);
  scenario.expect.forEach((expectation, index) => {
    const problem = checkExpectation(expectation, byId, simulation.events, voicemails);
    if (problem !== undefined) failures.push(`expectation ${index + 1} ${describeExpectation(expectation)} failed: ${problem}`);
  });
  return {
    name: scenario.name,
    passed: failures.length === 0,
    failures,
    results,
    events: simulation.events,
    restRequests: api.requests,
    voicemails: voicemails ?? [],
  };
}
