import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError } from './local/dynamodb-local.js';
import { launchersOf, watchLaunchers } from './local/launchers.js';
import { LOCAL_TABLE_NAME, startLocalStack, type LocalStack } from './local/stack.js';

const USAGE = `Usage: npm start [-- --in-memory] [-- --help]

The local stack: the voice and admin handlers on a local HTTP server, with DynamoDB Local (Java 17+)
or an existing DynamoDB.

Options:
  --in-memory          keep DynamoDB Local's data in memory only (not with DYNAMODB_ENDPOINT)
  --help, -h           this text

Environment:
  PORT                 the HTTP port on 127.0.0.1 (default 3000)
  TWILIO_AUTH_TOKEN    the token signed webhooks use (default: generated once, kept in the data folder)
  LOCAL_DATA_DIR       the data folder: DynamoDB Local's files and the generated auth token (default:
                       data/ in the repository); one npm start at a time per data folder
  DYNAMODB_ENDPOINT    use this DynamoDB (e.g. http://127.0.0.1:8000: another DynamoDB Local, a proxy,
                       or AWS) instead of starting DynamoDB Local; nothing of DynamoDB Local is started
                       or stopped. On this machine it gets DynamoDB Local's fixed credentials unless
                       AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set; elsewhere your AWS credentials
                       and AWS_REGION (or the region in dynamodb.<region>.amazonaws.com)
  TABLE_NAME           the table (default ${LOCAL_TABLE_NAME}); created when missing
  TWILIO_API_BASE_URL  where REST calls go (default: the call simulator's fake API)

DynamoDB Local listens on 127.0.0.1 only. Ctrl-C stops everything, as does SIGINT, SIGTERM or SIGHUP
to any of npm start's processes (npm, its shell, tsx, this one) or their end.`;

/** `npm start`: the local stack; `npm start -- --help` lists its options and environment. */
// The SDK warns that its releases after January 2027 need Node 22; Lambda runs Node 22, so stay quiet here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== '--in-memory');
if (unknown.length > 0) {
  console.error(`Unknown option '${unknown[0] ?? ''}'. See --help.\n\n${USAGE}`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? '3000');
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number (1-65535).`);
  process.exit(2);
}
const given = (name: string): string | undefined =>
  process.env[name] === undefined || process.env[name] === '' ? undefined : process.env[name];
const dynamoEndpoint = given('DYNAMODB_ENDPOINT');
if (dynamoEndpoint !== undefined && !/^https?:$/.test(URL.canParse(dynamoEndpoint) ? new URL(dynamoEndpoint).protocol : '')) {
  console.error(`DYNAMODB_ENDPOINT=${dynamoEndpoint} is not an http:// or https:// URL (e.g. http://127.0.0.1:8000).`);
  process.exit(2);
}
if (dynamoEndpoint !== undefined && args.includes('--in-memory')) {
  console.error('--in-memory is for DynamoDB Local: with DYNAMODB_ENDPOINT the data stays wherever that DynamoDB keeps it.');
  process.exit(2);
}
const tableName = given('TABLE_NAME') ?? LOCAL_TABLE_NAME;
if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
  console.error(`TABLE_NAME=${tableName} is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -).`);
  process.exit(2);
}
const root = join(fileURLToPath(import.meta.url), '..', '..');
// The terminal may be gone by the time the stack stops (a closed window, a dead pipe): nothing to tell then.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
const say = (line: string): void => {
  if (process.stdout.writable) console.log(line);
};
const dataDir = given('LOCAL_DATA_DIR') ?? join(root, 'data');

let stack: LocalStack | undefined;
let stopping = false;
const shutdown = (why: string): void => {
  if (stopping) return;
  stopping = true;
  say(`\n${why}: stopping the local stack...`);
  // Still starting: end now. A DynamoDB Local already started ends as its input closes with this process.
  if (stack === undefined) process.exit(1);
  // Should stopping hang, end anyway: the exit handler below still ends Java.
  setTimeout(() => process.exit(1), 15_000).unref();
  void stack.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// Whichever of npm start's processes a signal reaches, the stack stops (bin/local/launchers.ts).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
watchLaunchers(launchersOf(), (gone) => shutdown(`${gone} ended`));

try {
  stack = await startLocalStack({
    port,
    dataDir,
    inMemory: args.includes('--in-memory'),
    tableName,
    ...(dynamoEndpoint === undefined ? {} : { dynamoEndpoint }),
    ...(process.env.TWILIO_AUTH_TOKEN ? { authToken: process.env.TWILIO_AUTH_TOKEN } : {}),
  });
  const { dynamo } = stack;
  const table = `table ${dynamo.tableName} (${dynamo.table === 'created' ? 'created now' : 'existing'})`;
  const dynamoLine =
    dynamo.local === undefined
      ? `  DynamoDB        ${dynamo.endpoint}  ${table}; from DYNAMODB_ENDPOINT, no DynamoDB Local started`
      : `  DynamoDB Local  ${dynamo.endpoint}  ${table}; ${args.includes('--in-memory') ? 'in memory' : `data in ${join(dataDir, 'dynamodb')}`}`;
  console.log(
    [
      '',
      'Queue groups for Twilio numbers: local stack running',
      // The line to open first: the same words however the rest aligns, so scripts can find it.
      stack.console.kind === 'built'
        ? `  Console ${stack.baseUrl}/  (open it in a browser)`
        : `  Console ${stack.baseUrl}/  NOT AVAILABLE: ${stack.console.reason}`,
      `  Voice webhooks  ${stack.baseUrl}/voice/incoming  (also /voice/status, /voice/fallback)`,
      `  Admin API       ${stack.baseUrl}/admin/            (e.g. GET ${stack.baseUrl}/admin/users)`,
      dynamoLine,
      `  Auth token      ${stack.authToken}  (from ${stack.authTokenSource})`,
      `  Twilio REST API ${process.env.TWILIO_API_BASE_URL ?? ''}  (the call simulator's fake: npm run simulate)`,
      '',
      dynamo.local === undefined
        ? 'Ctrl-C stops the server; the DynamoDB at DYNAMODB_ENDPOINT is left as it is.'
        : 'Ctrl-C stops everything.',
    ].join('\n'),
  );
  // Should we die another way, do not leave Java running (it also ends when its input closes).
  process.on('exit', () => {
    if (dynamo.local !== undefined && dynamo.local.process.exitCode === null) dynamo.local.process.kill('SIGKILL');
  });
} catch (error) {
  if (error instanceof LocalStackError) console.error(error.message);
  else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')
    console.error(`Port ${port} is in use: stop what uses it, or start on another port with PORT=${port + 1} npm start`);
  else console.error(error);
  process.exit(1);
}
