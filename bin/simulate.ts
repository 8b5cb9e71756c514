import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cliErrorLine, isOptionError, reportCliError, warnOfNpmBanner } from './cli.js';
import { parseBehaviourText } from './simulator/behaviours.js';
import { replaceConfiguration, type Configuration } from './simulator/configuration.js';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_PORT, DEFAULT_CALLER } from './simulator/defaults.js';
import { Simulation, type Behaviours, type DeviceBehaviour } from './simulator/engine.js';
import { FakeTwilioApi } from './simulator/rest-api.js';
import { readScenario, runScenario } from './simulator/scenario.js';
import { formatTranscript } from './simulator/transcript.js';
import { httpTransport, loadDirectory } from './simulator/transport.js';

const USAGE = `Usage:
  npm run simulate -- call --to NUMBER [options]      one call, printed as a transcript
  npm run simulate -- scenario FILE [options]          several calls on one clock, with expectations
  npm run simulate -- load FILE [options]              replace the configuration with FILE's

call options:
  --to NUMBER             the number called (one of yours)
  --from NUMBER           the caller (default ${DEFAULT_CALLER})
  --digits KEYS           keys pressed during the greeting   --digits-after SECONDS (default 1)
  --member WHO=BEHAVIOUR  what a member's devices do when they ring (repeatable). WHO is a member id or
                          a device (client identity, number, SIP URI). BEHAVIOUR: answer (presses 1 when
                          asked to confirm), voicemail-box (answers, never presses a key), no-answer,
                          busy, reject, failed, answer:N (after N s), answer:N:M (then hang up after M s);
                          several, comma-separated, are used one per ring: anna=no-answer,answer
  --hang-up-after SECONDS the caller hangs up
  --message SECONDS       how long the caller speaks into a voicemail (default 10)
common options:
  --base-url URL          where the project answers (default http://127.0.0.1:$PORT or :3000)
  --admin-url URL         its admin API (default BASE/admin; none for a deployment: --admin-url none)
  --auth-token TOKEN      the Twilio auth token (default $TWILIO_AUTH_TOKEN, else data/auth-token)
  --account-sid SID       the account of the fake REST API (default ${DEFAULT_ACCOUNT_SID})
  --api-port PORT         port of the fake Twilio REST API (default ${DEFAULT_API_PORT})
  --json                  print data instead of a transcript, on stdout alone with npm run -s simulate`;

const root = join(fileURLToPath(import.meta.url), '..', '..');

class UsageError extends Error {}

function parseBehaviour(text: string): DeviceBehaviour {
  const parsed = parseBehaviourText(text);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return parsed.behaviour;
}

function parseMembers(values: readonly string[]): Behaviours {
  const behaviours: Behaviours = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new UsageError(`--member ${value}: write WHO=BEHAVIOUR, e.g. anna=answer`);
    const list = value
      .slice(at + 1)
      .split(',')
      .map(parseBehaviour);
    behaviours[value.slice(0, at)] = list.length === 1 ? (list[0] as DeviceBehaviour) : list;
  }
  return behaviours;
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new UsageError(`--${name} must be a number of seconds, not ${value}`);
  return number;
}

function authToken(given: string | undefined): string {
  if (given !== undefined) return given;
  if (process.env.TWILIO_AUTH_TOKEN) return process.env.TWILIO_AUTH_TOKEN;
  const file = join(process.env.LOCAL_DATA_DIR || join(root, 'data'), 'auth-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new UsageError('no auth token: start the local stack (npm start) first, or give --auth-token');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      digits: { type: 'string' },
      'digits-after': { type: 'string' },
      member: { type: 'string', multiple: true },
      'hang-up-after': { type: 'string' },
      message: { type: 'string' },
      'base-url': { type: 'string' },
      'admin-url': { type: 'string' },
      'auth-token': { type: 'string' },
      'account-sid': { type: 'string' },
      'api-port': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, file] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === undefined) throw new UsageError('no command: call, scenario or load');
  if (values.json) warnOfNpmBanner('simulate');
  const baseUrl = (values['base-url'] ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`).replace(/\/+$/, '');
  const adminUrl = values['admin-url'] === 'none' ? undefined : (values['admin-url'] ?? `${baseUrl}/admin`);
  const apiPort = numberOption('api-port', values['api-port']) ?? Number(process.env.TWILIO_API_PORT ?? DEFAULT_API_PORT);
  const accountSid = values['account-sid'] ?? DEFAULT_ACCOUNT_SID;

  if (command === 'load') {
    if (file === undefined) throw new UsageError('load needs a configuration file');
    if (adminUrl === undefined) throw new UsageError('load needs the admin API');
    await replaceConfiguration(adminUrl, JSON.parse(readFileSync(file, 'utf8')) as Configuration);
    console.log(`Loaded ${file} into ${adminUrl}`);
    return 0;
  }

  const token = authToken(values['auth-token']);
  if (command === 'scenario') {
    if (file === undefined) throw new UsageError('scenario needs a scenario file');
    const scenario = readScenario(file);
    const report = await runScenario(scenario, {
      baseUrl,
      ...(adminUrl === undefined ? {} : { adminUrl }),
      authToken: token,
      accountSid,
      transport: httpTransport,
      apiPort,
    });
    if (values.json)
      console.log(
        JSON.stringify(
          {
            name: report.name,
            passed: report.passed,
            failures: report.failures,
            calls: report.results.map(({ requests: _requests, ...result }) => result),
            events: report.events,
            restRequests: report.restRequests,
          },
          null,
          2,
        ),
      );
    else {
      console.log(`Scenario: ${report.name}\n`);
      console.log(formatTranscript(report.events, report.results, await loadDirectory(adminUrl)));
      console.log(
        report.passed ? '\nPASSED: every expectation holds' : `\nFAILED:\n${report.failures.map((failure) => `  - ${failure}`).join('\n')}`,
      );
    }
    return report.passed ? 0 : 1;
  }

  if (command === 'call') {
    if (values.to === undefined) throw new UsageError('call needs --to NUMBER');
    const directory = await loadDirectory(adminUrl);
    const simulation = new Simulation({
      baseUrl,
      authToken: token,
      accountSid,
      transport: httpTransport,
      devices: parseMembers(values.member ?? []),
      directory,
    });
    const api = new FakeTwilioApi(simulation, { accountSid, authToken: token });
    await api.listen(apiPort);
    const digitsAfter = numberOption('digits-after', values['digits-after']);
    const hangUpAfter = numberOption('hang-up-after', values['hang-up-after']);
    const message = numberOption('message', values.message);
    let results;
    try {
      results = await simulation.run([
        {
          id: 'call',
          from: values.from ?? DEFAULT_CALLER,
          to: values.to,
          ...(values.digits === undefined ? {} : { digits: values.digits }),
          ...(digitsAfter === undefined ? {} : { digitsAfter }),
          ...(hangUpAfter === undefined ? {} : { hangUpAfter }),
          ...(message === undefined ? {} : { message }),
        },
      ]);
    } finally {
      await api.close();
    }
    if (values.json)
      console.log(
        JSON.stringify(
          { calls: results.map(({ requests: _requests, ...result }) => result), events: simulation.events, restRequests: api.requests },
          null,
          2,
        ),
      );
    else console.log(formatTranscript(simulation.events, results, directory));
    return results.every((result) => result.errors.length === 0) ? 0 : 1;
  }
  throw new UsageError(`unknown command ${command}`);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || isOptionError(error)) console.error(`${cliErrorLine(error)}\n\n${USAGE}`);
    else if (error instanceof Error && (error.name === 'ScenarioFileError' || error.name === 'AdminApiError')) console.error(error.message);
    else if (error instanceof TypeError && String(error.cause).includes('ECONNREFUSED'))
      console.error('Nothing answers at the base URL: start the local stack with npm start (or give --base-url).');
    else reportCliError(error);
    process.exit(2);
  },
);
