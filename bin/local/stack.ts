import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_PORT } from '../simulator/defaults.js';
import { createLocalServer, type LocalHandlers } from './server.js';

/** The whole local stack: DynamoDB Local, the table, and the handlers on a local HTTP server. */
export const LOCAL_TABLE_NAME = 'queue-groups';

export type LocalStackOptions = {
  port: number;
  host?: string;
  /** Where state (DynamoDB's files, the generated auth token) is kept. */
  dataDir: string;
  inMemory: boolean;
  authToken?: string;
};

export type LocalStack = { baseUrl: string; authToken: string; authTokenSource: string; dynamo: DynamoDbLocal; server: Server; stop: () => Promise<void> };

/** The token from the environment, else the one generated at first start and kept with the data. */
function resolveAuthToken(dataDir: string, given: string | undefined): { token: string; source: string } {
  if (given !== undefined && given !== '') return { token: given, source: 'TWILIO_AUTH_TOKEN' };
  const file = join(dataDir, 'auth-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), source: file };
  const token = randomBytes(16).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: `${file} (generated)` };
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const { token, source } = resolveAuthToken(options.dataDir, options.authToken);

  // Take the port before starting Java, so a port in use fails fast and leaves nothing running.
  let handlers: LocalHandlers | undefined;
  const server = createLocalServer({
    voice: async (event, context) => (handlers ?? unavailable()).voice(event, context),
    admin: async (event, context) => (handlers ?? unavailable()).admin(event, context),
  });
  await listen(server, options.port, host);

  let dynamo: DynamoDbLocal | undefined;
  try {
    const dbPath = join(options.dataDir, 'dynamodb');
    if (!options.inMemory) mkdirSync(dbPath, { recursive: true });
    dynamo = await startDynamoDbLocal(options.inMemory ? {} : { dbPath });
    await ensureTable(dynamo.endpoint, LOCAL_TABLE_NAME);
    // The handlers read their configuration once at import, exactly as in Lambda.
    Object.assign(process.env, {
      TABLE_NAME: LOCAL_TABLE_NAME,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TWILIO_AUTH_TOKEN: token,
      // The project's REST calls go to the call simulator's fake Twilio API unless told otherwise.
      TWILIO_API_BASE_URL: process.env.TWILIO_API_BASE_URL || `http://127.0.0.1:${DEFAULT_API_PORT}`,
      TWILIO_ACCOUNT_SID: process.env.TWILIO_ACCOUNT_SID || DEFAULT_ACCOUNT_SID,
      // Where the admin function sends a waiting caller when a member comes back from away.
      VOICE_BASE_URL: `http://${host}:${options.port}/voice/`,
    });
    const [voice, admin] = await Promise.all([import('../../functions/handlers/voice.js'), import('../../functions/handlers/admin.js')]);
    handlers = { voice: voice.handler, admin: admin.handler };
  } catch (error) {
    server.close();
    await dynamo?.stop();
    throw error;
  }
  const running = dynamo;
  const baseUrl = `http://${host}:${options.port}`;
  return {
    baseUrl,
    authToken: token,
    authTokenSource: source,
    dynamo: running,
    server,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await running.stop();
    },
  };
}

function unavailable(): never {
  throw new Error('the local stack is still starting');
}
