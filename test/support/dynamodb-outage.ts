import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy in front of DynamoDB Local that a test can cut: while it is down, open connections are
 * reset and new ones refused, so the handlers' requests fail as they would with the database
 * unreachable (the real client, its retries and timeouts, no mock). Handlers read
 * DYNAMODB_ENDPOINT once, at import: point it at `endpoint` before they are imported.
 */
export type DynamoDbOutage = {
  endpoint: string;
  /** Cut the database off until `restore`. */
  cut(): void;
  restore(): void;
  /** Run `work` with the database cut off, restoring it afterwards. */
  during<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export async function startDynamoDbOutageProxy(target: string): Promise<DynamoDbOutage> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let down = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const database = connect(Number(upstream.port), upstream.hostname);
    track(database);
    client.pipe(database).pipe(client);
    client.on('error', () => database.destroy());
    database.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the DynamoDB proxy has no port');
  const cut = (): void => {
    down = true;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  const restore = (): void => {
    down = false;
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    cut,
    restore,
    async during(work) {
      cut();
      try {
        return await work();
      } finally {
        restore();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
