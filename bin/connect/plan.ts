import type { Webhooks } from './deployment.js';
import {
  APPLICATION_PARAMETERS,
  NUMBER_PARAMETERS,
  SIP_DOMAIN_PARAMETERS,
  type ApplicationSettings,
  type NumberSettings,
  type SipDomain,
  type SipDomainSettings,
  type TwilioNumber,
  type TwimlApp,
} from './resources.js';

/**
 * What connect would change, decided without a request: each resource's settings as the deployment
 * needs them beside the settings Twilio has, field by field. A resource already right is left alone,
 * so a second run writes nothing.
 */

/** Every webhook is requested with POST: the project's routes answer POST only (lib/queue-groups-stack.ts). */
const POST = 'POST';

export function numberSettings(webhooks: Webhooks): NumberSettings {
  return {
    voiceUrl: webhooks.incoming,
    voiceMethod: POST,
    statusCallback: webhooks.status,
    statusCallbackMethod: POST,
    voiceFallbackUrl: webhooks.fallback,
    voiceFallbackMethod: POST,
    // An application on the number would take its calls instead of these URLs: it is removed.
    voiceApplicationSid: undefined,
  };
}

export function applicationSettings(webhooks: Webhooks): ApplicationSettings {
  return {
    voiceUrl: webhooks.outbound,
    voiceMethod: POST,
    // A member's call ends like any other: its status ends the call's state and frees the members it rang.
    statusCallback: webhooks.status,
    statusCallbackMethod: POST,
    voiceFallbackUrl: webhooks.fallback,
    voiceFallbackMethod: POST,
  };
}

export function sipDomainSettings(webhooks: Webhooks): SipDomainSettings {
  return {
    voiceUrl: webhooks.outbound,
    voiceMethod: POST,
    voiceStatusCallbackUrl: webhooks.status,
    voiceStatusCallbackMethod: POST,
    voiceFallbackUrl: webhooks.fallback,
    voiceFallbackMethod: POST,
  };
}

export type FieldChange = {
  readonly field: string;
  /** Twilio's name of the field, as its docs and error messages write it. */
  readonly parameter: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
};

export type ResourceKind = 'number' | 'twiml-app' | 'sip-domain';

/** One resource's change; `write` makes it (undefined when nothing is to change). */
export type ResourcePlan = {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly sid: string | undefined;
  readonly action: 'unchanged' | 'update' | 'create';
  readonly changes: readonly FieldChange[];
};

function changesOf<Field extends string>(
  parameters: Readonly<Record<Field, string>>,
  current: Readonly<Record<Field, string | undefined>> | undefined,
  desired: Readonly<Record<Field, string | undefined>>,
): FieldChange[] {
  return (Object.keys(parameters) as Field[])
    .filter((field) => current?.[field] !== desired[field])
    .map((field) => ({ field, parameter: parameters[field], from: current?.[field], to: desired[field] }));
}

export function planNumber(number: TwilioNumber, webhooks: Webhooks): ResourcePlan {
  const changes = changesOf(NUMBER_PARAMETERS, number.settings, numberSettings(webhooks));
  return { kind: 'number', name: number.phoneNumber, sid: number.sid, action: changes.length === 0 ? 'unchanged' : 'update', changes };
}

export function planApplication(name: string, existing: TwimlApp | undefined, webhooks: Webhooks): ResourcePlan {
  const changes = changesOf(APPLICATION_PARAMETERS, existing?.settings, applicationSettings(webhooks));
  const action = existing === undefined ? 'create' : changes.length === 0 ? 'unchanged' : 'update';
  return { kind: 'twiml-app', name, sid: existing?.sid, action, changes };
}

export function planSipDomain(domain: SipDomain, webhooks: Webhooks): ResourcePlan {
  const changes = changesOf(SIP_DOMAIN_PARAMETERS, domain.settings, sipDomainSettings(webhooks));
  return { kind: 'sip-domain', name: domain.domainName, sid: domain.sid, action: changes.length === 0 ? 'unchanged' : 'update', changes };
}

/** What the account holds for each thing connect points at the deployment, as read before any change. */
export type AccountState = {
  readonly accountSid: string;
  /** Per configured number, the account's numbers the list returned for it (a partial match may add others). */
  readonly numbers: ReadonlyMap<string, readonly TwilioNumber[]>;
  readonly applicationName: string;
  readonly applications: readonly TwimlApp[];
  /** Undefined when no SIP domain was asked for. */
  readonly sipDomainName: string | undefined;
  readonly sipDomains: readonly SipDomain[];
};

export type Plan = { readonly resources: readonly ResourcePlan[] };

/**
 * The plan, or every reason it cannot be made, in one line: a configured number the account does not
 * own, a number on a SIP trunk (Twilio ignores its URLs then), a number that cannot take calls, two
 * TwiML Apps of the same name, a SIP domain the account lacks. Nothing is written unless all is well.
 */
export function makePlan(state: AccountState, webhooks: Webhooks): { ok: true; plan: Plan } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const resources: ResourcePlan[] = [];
  const unowned: string[] = [];
  for (const [configured, found] of state.numbers) {
    // The list matches partial numbers: only the number itself counts.
    const number = found.find((candidate) => candidate.phoneNumber === configured);
    if (number === undefined) unowned.push(configured);
    else if (number.trunkSid !== undefined)
      problems.push(`${configured} is routed by SIP trunk ${number.trunkSid}, which overrides its URLs: take it off the trunk first`);
    else if (!number.voiceCapable) problems.push(`${configured} cannot take voice calls`);
    else resources.push(planNumber(number, webhooks));
  }
  if (unowned.length > 0)
    problems.unshift(
      `${unowned.join(', ')} ${unowned.length === 1 ? 'is not a number' : 'are not numbers'} of Twilio account ${state.accountSid}: buy or port ${unowned.length === 1 ? 'it' : 'them'}, or take ${unowned.length === 1 ? 'it' : 'them'} out of the configuration`,
    );
  const named = state.applications.filter((application) => application.friendlyName === state.applicationName);
  if (named.length > 1)
    problems.push(
      `${named.length} TwiML Apps are named "${state.applicationName}" (${named.map((application) => application.sid).join(', ')}): delete all but one, or give --app-name`,
    );
  else resources.push(planApplication(state.applicationName, named[0], webhooks));
  if (state.sipDomainName !== undefined) {
    const wanted = state.sipDomainName.toLowerCase();
    const domain = state.sipDomains.find((candidate) => candidate.domainName.toLowerCase() === wanted);
    if (domain === undefined) problems.push(`the account has no SIP domain ${state.sipDomainName}`);
    else resources.push(planSipDomain(domain, webhooks));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan: { resources } };
}
