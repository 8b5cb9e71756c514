import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, LocalStackError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.js';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_PORT } from '../simulator/defaults.js';
import { createLocalServer, type ConsoleFile, type ConsoleSite, type LocalHandlers } from './server.js';

/**
 * The whole local stack: DynamoDB (DynamoDB Local started here, or an existing endpoint given with
 * `dynamoEndpoint`), the table, and the handlers on a local HTTP server.
 */
export const LOCAL_TABLE_NAME = 'queue-groups';

export type LocalStackOptions = {
  port: number;
  host?: string;
  /** Where state (DynamoDB Local's files, the generated auth token) is kept. */
  dataDir: string;
  inMemory: boolean;
  authToken?: string;
  /** An existing DynamoDB (a proxy, another DynamoDB Local, AWS): then no DynamoDB Local is started. */
  dynamoEndpoint?: string;
  /** Default LOCAL_TABLE_NAME; created when missing. */
  tableName?: string;
  /** Builds the console's files; default console/build.ts's buildConsole (tests give their own). */
  buildConsole?: ConsoleBuilder;
};

export type ConsoleBuilder = () => Promise<ReadonlyMap<string, ConsoleFile>>;

/** What the local console's app reads at boot: the admin API on the same origin, no sign-in. */
export const LOCAL_CONSOLE_CONFIG = { adminUrl: '/admin', auth: { kind: 'none' } } as const;

/** console/build.ts's builder, imported when needed so the local stack starts without it. */
const defaultConsoleBuilder: ConsoleBuilder = async () => {
  const { buildConsole } = (await import('../../console/build.js')) as { buildConsole: ConsoleBuilder };
  return buildConsole();
};

/** The console built once; a missing or failing build is a reason shown at `/`, not a failed start. */
export async function loadConsoleSite(build: ConsoleBuilder = defaultConsoleBuilder): Promise<ConsoleSite> {
  try {
    const files = await build();
    if (!files.has('/index.html')) return { kind: 'unavailable', reason: 'the console build made no /index.html' };
    return { kind: 'built', files, config: LOCAL_CONSOLE_CONFIG };
  } catch (error) {
    return { kind: 'unavailable', reason: `the console could not be built (${error instanceof Error ? error.message : String(error)})` };
  }
}

export type LocalStackDynamo = {
  endpoint: string;
  tableName: string;
  /** Whether this start created the table. */
  table: 'created' | 'existing';
  /** The DynamoDB Local this stack started and stops; undefined when given an endpoint. */
  local: DynamoDbLocal | undefined;
};

export type LocalStack = {
  baseUrl: string;
  authToken: string;
  authTokenSource: string;
  dynamo: LocalStackDynamo;
  /** The console as built at start (or why it is not there). */
  console: ConsoleSite;
  server: Server;
  stop: () => Promise<void>;
};

/** DynamoDB Local's fixed settings: it accepts any credentials, and these keep a real AWS profile out of it. */
const LOCAL_AWS = { AWS_REGION: 'local', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The AWS settings for a given endpoint. On this machine (localhost, 127.x, ::1: DynamoDB Local or a
 * proxy in front of it) those the environment lacks are DynamoDB Local's fixed ones. Elsewhere (a real
 * table) credentials come from the SDK's usual chain (environment, profile, SSO) and the region from
 * AWS_REGION or the endpoint's host name (dynamodb.<region>.amazonaws.com).
 */
export function externalDynamoEnvironment(endpoint: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const given = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const url = new URL(endpoint);
  if (isLoopback(url.hostname)) {
    const credentials =
      given('AWS_ACCESS_KEY_ID') !== undefined && given('AWS_SECRET_ACCESS_KEY') !== undefined
        ? {}
        : { AWS_ACCESS_KEY_ID: LOCAL_AWS.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: LOCAL_AWS.AWS_SECRET_ACCESS_KEY };
    return { AWS_REGION: given('AWS_REGION') ?? LOCAL_AWS.AWS_REGION, ...credentials };
  }
  const region = given('AWS_REGION') ?? /^dynamodb\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  if (region === undefined)
    throw new LocalStackError(`DYNAMODB_ENDPOINT=${endpoint} is not on this machine: set AWS_REGION to the table's region.`);
  return { AWS_REGION: region };
}

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
  let site: ConsoleSite | undefined;
  const server = createLocalServer(
    {
      voice: async (event, context) => (handlers ?? unavailable()).voice(event, context),
      admin: async (event, context) => (handlers ?? unavailable()).admin(event, context),
    },
    () => site,
  );
  await listen(server, options.port, host);
  // Built once, beside DynamoDB Local's start.
  const consoleBuilt = loadConsoleSite(options.buildConsole).then((built) => (site = built));

  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  let local: DynamoDbLocal | undefined;
  let dynamo: LocalStackDynamo;
  try {
    let endpoint: string;
    let aws: Record<string, string>;
    if (options.dynamoEndpoint === undefined) {
      const dbPath = join(options.dataDir, 'dynamodb');
      if (!options.inMemory) mkdirSync(dbPath, { recursive: true });
      local = await startDynamoDbLocal(options.inMemory ? {} : { dbPath });
      endpoint = local.endpoint;
      aws = LOCAL_AWS;
    } else {
      endpoint = options.dynamoEndpoint;
      aws = externalDynamoEnvironment(endpoint);
    }
    // The handlers read their configuration once at import, exactly as in Lambda.
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      ...aws,
      TWILIO_AUTH_TOKEN: token,
      // The project's REST calls go to the call simulator's fake Twilio API unless told otherwise.
      TWILIO_API_BASE_URL: process.env.TWILIO_API_BASE_URL || `http://127.0.0.1:${DEFAULT_API_PORT}`,
      TWILIO_ACCOUNT_SID: process.env.TWILIO_ACCOUNT_SID || DEFAULT_ACCOUNT_SID,
      // Where the admin function sends a waiting caller when a member comes back from away.
      VOICE_BASE_URL: `http://${host}:${options.port}/voice/`,
    });
    let table: 'created' | 'existing';
    if (local !== undefined) {
      table = await ensureTable(endpoint, tableName);
    } else {
      // The environment's credentials (set just above for this machine), as the handlers will use them.
      const client = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? LOCAL_AWS.AWS_REGION });
      try {
        table = await ensureTable(endpoint, tableName, client);
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new LocalStackError(
          `DynamoDB at ${endpoint} (DYNAMODB_ENDPOINT) could not create or read table ${tableName}: ${reason}. Check the endpoint and credentials, or unset DYNAMODB_ENDPOINT to use DynamoDB Local.`,
        );
      } finally {
        client.destroy();
      }
    }
    dynamo = { endpoint, tableName, table, local };
    const [voice, admin] = await Promise.all([import('../../functions/handlers/voice.js'), import('../../functions/handlers/admin.js')]);
    handlers = { voice: voice.handler, admin: admin.handler };
    await consoleBuilt;
  } catch (error) {
    server.close();
    await local?.stop();
    throw error;
  }
  const running = local;
  const baseUrl = `http://${host}:${options.port}`;
  return {
    baseUrl,
    authToken: token,
    authTokenSource: source,
    dynamo,
    console: site ?? { kind: 'unavailable', reason: 'the console was not built' },
    server,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Only what this stack started: a given endpoint is left as it was.
      await running?.stop();
    },
  };
}

function unavailable(): never {
  throw new Error('the local stack is still starting');
}
