import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStackError } from './local/dynamodb-local.js';
import { startLocalStack } from './local/stack.js';

/**
 * `npm start`: the local stack. Options: `--in-memory` (keep no state on disk). Environment: `PORT`
 * (default 3000), `TWILIO_AUTH_TOKEN` (default: generated once and kept in the data folder),
 * `LOCAL_DATA_DIR` (default: data/ in the repository).
 */
// The SDK warns that its releases after January 2027 need Node 22; Lambda runs Node 22, so stay quiet here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--in-memory');
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(' ')}. Usage: npm start [-- --in-memory]`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? '3000');
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number (1-65535).`);
  process.exit(2);
}
const root = join(fileURLToPath(import.meta.url), '..', '..');
const dataDir = process.env.LOCAL_DATA_DIR !== undefined && process.env.LOCAL_DATA_DIR !== '' ? process.env.LOCAL_DATA_DIR : join(root, 'data');

try {
  const stack = await startLocalStack({
    port,
    dataDir,
    inMemory: args.includes('--in-memory'),
    ...(process.env.TWILIO_AUTH_TOKEN ? { authToken: process.env.TWILIO_AUTH_TOKEN } : {}),
  });
  console.log(
    [
      '',
      'Queue groups for Twilio numbers: local stack running',
      `  Voice webhooks  ${stack.baseUrl}/voice/incoming  (also /voice/status, /voice/fallback)`,
      `  Admin API       ${stack.baseUrl}/admin/            (e.g. GET ${stack.baseUrl}/admin/users)`,
      `  DynamoDB Local  ${stack.dynamo.endpoint}  (${args.includes('--in-memory') ? 'in memory' : `data in ${join(dataDir, 'dynamodb')}`})`,
      `  Auth token      ${stack.authToken}  (from ${stack.authTokenSource})`,
      `  Twilio REST API ${process.env.TWILIO_API_BASE_URL ?? ''}  (the call simulator's fake: npm run simulate)`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Should we die another way, do not leave Java running.
  process.on('exit', () => {
    if (stack.dynamo.process.exitCode === null) stack.dynamo.process.kill('SIGKILL');
  });
} catch (error) {
  if (error instanceof LocalStackError) console.error(error.message);
  else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') console.error(`Port ${port} is in use: stop what uses it, or start on another port with PORT=${port + 1} npm start`);
  else console.error(error);
  process.exit(1);
}
