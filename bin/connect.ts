import { reportCliError, warnOfNpmBanner } from './cli.js';
import { parseCommandLine, USAGE, type CommandLine } from './connect/command-line.js';
import { connect } from './connect/connect.js';
import { numbersOfAdminApi, numbersOfFile } from './connect/configured-numbers.js';
import { twilioCredentials } from './connect/credentials.js';
import { adminUrlOfStack, httpUrl, webhooksOfStack, webhooksUnder } from './connect/deployment.js';
import { NotReadyError, TwilioRequestError, UsageError } from './connect/errors.js';
import { reportJson, reportLines } from './connect/report.js';
import { readStackOutputs, type StackOutputs } from './connect/stack-outputs.js';

/** `npm run connect`: bin/connect/ does the work; this file reads the command line and reports. */

async function main(args: readonly string[]): Promise<number> {
  const commandLine: CommandLine = parseCommandLine(args);
  if (commandLine.help) {
    console.log(USAGE);
    return 0;
  }
  if (commandLine.json) warnOfNpmBanner('connect');
  const credentials = twilioCredentials(process.env);
  // The stack is read once, and only for what the flags do not give.
  let outputs: Promise<StackOutputs> | undefined;
  const stack = (): Promise<StackOutputs> => (outputs ??= readStackOutputs(commandLine.stackName, commandLine.region));
  const webhooks =
    commandLine.baseUrl === undefined ? webhooksOfStack(commandLine.stackName, await stack()) : webhooksUnder(commandLine.baseUrl);
  const numbers =
    commandLine.configFile !== undefined
      ? await numbersOfFile(commandLine.configFile)
      : await numbersOfAdminApi(
          commandLine.adminUrl === undefined
            ? adminUrlOfStack(commandLine.stackName, await stack())
            : httpUrl(commandLine.adminUrl, '--admin-url'),
        );
  const { twilioAccount } = await import('./connect/twilio-account.js');
  const report = await connect(twilioAccount(credentials), {
    webhooks,
    numbers,
    applicationName: commandLine.applicationName,
    sipDomain: commandLine.sipDomain,
    dryRun: commandLine.dryRun,
  });
  console.log(commandLine.json ? reportJson(report) : reportLines(report).join('\n'));
  return 0;
}

/** One line on stderr: 1 when the account or deployment is not ready or Twilio refused, 2 otherwise. */
function failed(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`${error.message.replace(/\.$/, '')}. See --help.`);
    return 2;
  }
  if ((error instanceof NotReadyError || error instanceof TwilioRequestError) && process.env.DEBUG !== '1') {
    console.error(error.message);
    return 1;
  }
  return reportCliError(error);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(failed(error)),
);
