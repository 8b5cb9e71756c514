import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { AdminRequestError, adminClient } from './admin/client.js';
import { reportCliError } from './cli.js';
import { formatChanges, type Change } from './config/diff.js';

const USAGE = `Usage:
  npm run config -- export [FILE] [options]          the whole configuration, to FILE (.json, .yaml, .yml) or stdout
  npm run config -- apply FILE [--dry-run] [options] show what FILE changes, then apply it all or nothing

FILE holds users, groups, numbers and settings (see examples/acme.json), as JSON or YAML.
Members' status (available or away) is theirs, not configuration: apply keeps it.

options:
  --admin-url URL   the admin API (default $ADMIN_URL, else the local stack: http://127.0.0.1:$PORT/admin, PORT 3000).
                    A deployment's function URL (https://<id>.lambda-url.<region>.on.aws/) is signed
                    with SigV4 using your AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...).
  --region REGION   sign for REGION when the URL is not a function URL (a custom domain in front of one)
  --dry-run         apply: show the changes and the warnings, write nothing
  --json            print the admin API's answer as JSON on stdout (with npm: npm run --silent config -- ...)
  -h, --help        this text

Exit codes: 0 done, 1 refused (invalid file, conflict), 2 usage or connection error.`;

class UsageError extends Error {}

/** The admin API refused the request for a reason in the file or the moment: exit 1, not a usage error. */
class Refused extends Error {}

function readConfigurationFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}

function refusal(error: unknown): never {
  if (!(error instanceof AdminRequestError) || (error.status !== 400 && error.status !== 409 && error.status !== 412)) throw error;
  const body = error.body as { error?: string; problems?: { path: string; message: string }[] } | undefined;
  const lines = [body?.error ?? error.message, ...(body?.problems ?? []).map((problem) => `  ${problem.path}: ${problem.message}`)];
  throw new Refused(lines.join('\n'));
}

type ApplyAnswer = { applied: boolean; version: number; changes: Change[]; warnings: string[] };

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'admin-url': { type: 'string' },
      region: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, file, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}". See --help.`);
  const url = values['admin-url'] ?? process.env.ADMIN_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}/admin`;
  const client = adminClient(url, { region: values.region });
  const say = (line: string) => (values.json ? console.error(line) : console.log(line));

  if (command === 'export') {
    if (values['dry-run']) throw new UsageError('--dry-run belongs to apply');
    const document = await client.request('GET', '/configuration');
    if (file === undefined) {
      console.log(JSON.stringify(document, null, 2));
      return 0;
    }
    const yaml = ['.yaml', '.yml'].includes(extname(file));
    writeFileSync(file, yaml ? toYaml(document) : `${JSON.stringify(document, null, 2)}\n`);
    say(`wrote the configuration of ${client.baseUrl} to ${file}`);
    return 0;
  }
  if (command === 'apply') {
    if (file === undefined) throw new UsageError('apply needs a configuration file. See --help.');
    const document = readConfigurationFile(file);
    const preview = (await client.request('PUT', '/configuration?dryRun=true', document).catch(refusal)) as ApplyAnswer;
    if (values['dry-run']) {
      if (values.json) console.log(JSON.stringify(preview, null, 2));
      else
        [
          ...formatChanges(preview.changes),
          ...preview.warnings.map((warning) => `warning: ${warning}`),
          'dry run: nothing was written',
        ].forEach((line) => console.log(line));
      return 0;
    }
    if (!values.json)
      [...formatChanges(preview.changes), ...preview.warnings.map((warning) => `warning: ${warning}`)].forEach((line) => console.log(line));
    // Applied only if nobody changed the configuration since the diff above was computed.
    const answer = (await client
      .request('PUT', '/configuration', document, { 'if-match': `"${preview.version}"` })
      .catch(refusal)) as ApplyAnswer;
    if (values.json) console.log(JSON.stringify(answer, null, 2));
    else
      console.log(
        answer.applied
          ? `applied: the configuration is now at version ${answer.version}`
          : 'nothing written: the configuration was already as the file says',
      );
    return 0;
  }
  throw new UsageError(
    command === undefined ? 'say export or apply. See --help.' : `unknown command "${command}": say export or apply. See --help.`,
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof Refused) {
      console.error(error.message);
      process.exitCode = 1;
      return;
    }
    process.exitCode = reportCliError(error);
  },
);
