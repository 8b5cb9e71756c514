import type { Webhooks } from './deployment.js';
import { NotReadyError, TwilioRequestError } from './errors.js';
import { applicationSettings, makePlan, type AccountState, type ResourcePlan } from './plan.js';
import type { TwilioNumber } from './resources.js';
import type { TwilioAccount } from './twilio-account.js';

/**
 * `npm run connect` without its command line: read everything the account holds for the configured
 * numbers, the TwiML App and the SIP domain; refuse when anything is not as it must be, before any
 * write; then change only what differs (nothing at all with `dryRun`).
 */
export type ConnectOptions = {
  readonly webhooks: Webhooks;
  /** The configured numbers, E.164. */
  readonly numbers: readonly string[];
  /** The TwiML App's FriendlyName: the stack's name, so that each deployment has its own. */
  readonly applicationName: string;
  readonly sipDomain: string | undefined;
  readonly dryRun: boolean;
};

export type Outcome = 'unchanged' | 'updated' | 'created' | 'would-update' | 'would-create';

export type ResourceOutcome = Omit<ResourcePlan, 'action'> & { readonly outcome: Outcome };

export type ConnectReport = {
  readonly accountSid: string;
  readonly dryRun: boolean;
  readonly webhooks: Webhooks;
  readonly resources: readonly ResourceOutcome[];
};

/** Numbers looked up at once: a few requests in flight, well under Twilio's concurrency limit. */
const LOOKUPS_AT_ONCE = 4;

async function lookUpNumbers(account: TwilioAccount, numbers: readonly string[]): Promise<Map<string, readonly TwilioNumber[]>> {
  const found = new Map<string, readonly TwilioNumber[]>();
  for (let start = 0; start < numbers.length; start += LOOKUPS_AT_ONCE) {
    const batch = numbers.slice(start, start + LOOKUPS_AT_ONCE);
    const lists = await Promise.all(batch.map((number) => account.listNumbers(number)));
    batch.forEach((number, index) => found.set(number, lists[index] ?? []));
  }
  return found;
}

async function readState(account: TwilioAccount, options: ConnectOptions): Promise<AccountState> {
  const [numbers, applications, sipDomains] = await Promise.all([
    lookUpNumbers(account, options.numbers),
    account.listApplications(options.applicationName),
    options.sipDomain === undefined ? Promise.resolve([]) : account.listSipDomains(),
  ]);
  return {
    accountSid: account.accountSid,
    numbers,
    applicationName: options.applicationName,
    applications,
    sipDomainName: options.sipDomain,
    sipDomains,
  };
}

/** Make one resource's change; the SID it has afterwards. */
async function write(account: TwilioAccount, resource: ResourcePlan, webhooks: Webhooks): Promise<string | undefined> {
  const changed = Object.fromEntries(resource.changes.map((change) => [change.field, change.to]));
  switch (resource.kind) {
    case 'number':
      return (await account.updateNumber(resource.sid ?? '', changed)).sid;
    case 'twiml-app':
      return resource.action === 'create'
        ? (await account.createApplication(resource.name, applicationSettings(webhooks))).sid
        : (await account.updateApplication(resource.sid ?? '', changed)).sid;
    case 'sip-domain':
      return (await account.updateSipDomain(resource.sid ?? '', changed)).sid;
    default:
      return resource.kind satisfies never;
  }
}

function describe(resource: Pick<ResourcePlan, 'kind' | 'name'>): string {
  return `${resource.kind} ${resource.name}`;
}

export async function connect(account: TwilioAccount, options: ConnectOptions): Promise<ConnectReport> {
  const made = makePlan(await readState(account, options), options.webhooks);
  if (!made.ok) throw new NotReadyError(`${made.problems.join('; ')}. Nothing was changed.`);
  const resources: ResourceOutcome[] = [];
  const toChange = made.plan.resources.filter((resource) => resource.action !== 'unchanged').length;
  let changed = 0;
  for (const { action, ...resource } of made.plan.resources) {
    if (action === 'unchanged') {
      resources.push({ ...resource, outcome: 'unchanged' });
      continue;
    }
    if (options.dryRun) {
      resources.push({ ...resource, outcome: action === 'create' ? 'would-create' : 'would-update' });
      continue;
    }
    let sid: string | undefined;
    try {
      sid = await write(account, { ...resource, action }, options.webhooks);
    } catch (error) {
      if (!(error instanceof TwilioRequestError)) throw error;
      // Each write stands alone (Twilio has no transactions): say how far it got; a new run finishes the rest.
      throw new TwilioRequestError(
        `${describe(resource)}: ${error.message}; ${changed} of ${toChange} changes were made before it, run connect again to make the rest`,
        error.status,
        error.code,
        { cause: error },
      );
    }
    changed += 1;
    resources.push({ ...resource, sid, outcome: action === 'create' ? 'created' : 'updated' });
  }
  return { accountSid: account.accountSid, dryRun: options.dryRun, webhooks: options.webhooks, resources };
}
