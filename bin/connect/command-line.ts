import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** connect's command line, parsed once into typed options (the environment is read in credentials.ts). */

/** The stack name bin/app.ts deploys. */
import { DEFAULT_STACK_NAME } from '../../lib/stack-name.js';

export { DEFAULT_STACK_NAME };

export const USAGE = `Usage: npm run connect -- [options]

Points the Twilio account's numbers, a TwiML App (softphones) and a SIP domain (desk phones) at a
deployment, through Twilio's REST API. Only what differs is changed; a second run changes nothing.

Where the deployment answers (default: the outputs of its CloudFormation stack):
  --stack NAME          the stack (default ${DEFAULT_STACK_NAME})
  --region REGION       the stack's AWS region (default: AWS_REGION or your profile's)
  --base-url URL        the webhooks' base URL instead (the stack's publicBaseUrl or its API's endpoint);
                        /voice/incoming, /voice/status, /voice/outbound and /voice/fallback are added
Which numbers (default: the admin API's GET /numbers, at the stack's AdminApiUrl):
  --config FILE         the "numbers" of a configuration file (JSON or YAML, like examples/acme.json)
  --admin-url URL       the admin API instead (http://127.0.0.1:3000/admin for the local stack)
What else:
  --app-name NAME       the TwiML App's FriendlyName (default: the stack's name)
  --sip-domain DOMAIN   also point this SIP domain (e.g. acme.sip.twilio.com) at /voice/outbound
  --dry-run             print what would change and write nothing
  --json                print the report as JSON on stdout (errors stay on stderr)
  -h, --help            print this

Environment:
  TWILIO_ACCOUNT_SID                   the account (AC...)
  TWILIO_AUTH_TOKEN                    its auth token, or
  TWILIO_API_KEY and TWILIO_API_SECRET an API key (SK...) of the account and its secret
  TWILIO_API_BASE_URL                  Twilio's REST API (default https://api.twilio.com)

Exit status: 0 done or nothing to do; 1 the account or deployment is not ready, or Twilio refused
(nothing was changed unless the message says so); 2 a wrong option or an unexpected failure.`;

export type CommandLine =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly stackName: string;
      readonly region: string | undefined;
      readonly baseUrl: string | undefined;
      readonly configFile: string | undefined;
      readonly adminUrl: string | undefined;
      readonly applicationName: string;
      readonly sipDomain: string | undefined;
      readonly dryRun: boolean;
      readonly json: boolean;
    };

function nonEmpty(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new UsageError(`--${name} needs a value`);
  return value?.trim();
}

export function parseCommandLine(args: readonly string[]): CommandLine {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      'base-url': { type: 'string' },
      config: { type: 'string' },
      'admin-url': { type: 'string' },
      'app-name': { type: 'string' },
      'sip-domain': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true };
  if (values.config !== undefined && values['admin-url'] !== undefined)
    throw new UsageError('give --config or --admin-url, not both: the numbers come from one of them');
  const sipDomain = nonEmpty('sip-domain', values['sip-domain']);
  if (sipDomain !== undefined && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(sipDomain))
    throw new UsageError(`--sip-domain is a domain name such as acme.sip.twilio.com, not ${sipDomain}`);
  const stackName = nonEmpty('stack', values.stack) ?? DEFAULT_STACK_NAME;
  return {
    help: false,
    stackName,
    region: nonEmpty('region', values.region),
    baseUrl: nonEmpty('base-url', values['base-url']),
    configFile: nonEmpty('config', values.config),
    adminUrl: nonEmpty('admin-url', values['admin-url']),
    applicationName: nonEmpty('app-name', values['app-name']) ?? stackName,
    sipDomain,
    dryRun: values['dry-run'],
    json: values.json,
  };
}
