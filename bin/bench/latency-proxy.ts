import { Agent, createServer, request as forward, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { median } from './stats.js';

/**
 * A latency-injecting HTTP proxy in front of DynamoDB (Local), for the benchmark: every request waits
 * the current delay, then goes to the target as it came (method, path, headers, body), and the answer
 * streams back. Point the store at `endpoint` (DYNAMODB_ENDPOINT, before the handlers are imported).
 *
 * With each request delayed by d ms, a webhook that makes n DynamoDB requests one after another takes
 * about n·d ms longer: `latencySlope` times it at a few delays and reads n off the slope. That confirms
 * the counted sequential round trips (bin/bench/request-meter.ts) by another route: requests sent side
 * by side overlap their delays and count once.
 *
 * The target must not check signatures against its own address (DynamoDB Local does not): the Host
 * header the client signed, the proxy's, is passed on unchanged.
 */
export type LatencyProxy = {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Delay for requests that arrive from now on. */
  setDelayMs(ms: number): void;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
};

/** Per connection, not end to end: not passed on (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

/**
 * Wait `ms` milliseconds, closely: a timer alone fires up to a millisecond or two late, which would add
 * to every delayed request and bend the slope. The timer takes all but the last millisecond; the rest
 * is waited out in setImmediate turns, which let other I/O run.
 */
async function waitPrecisely(ms: number, signal: { cancelled: boolean }): Promise<void> {
  const until = performance.now() + ms;
  if (ms > 1) await new Promise((resolve) => setTimeout(resolve, ms - 1));
  while (!signal.cancelled && performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
}

export async function startLatencyProxy(target: string): Promise<LatencyProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`latency proxy: the target must be an http:// endpoint, not ${target}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let delayMs = 0;
  let count = 0;
  const closing = { cancelled: false };

  const server = createServer((incoming, outgoing) => {
    count += 1;
    const delay = delayMs;
    void (async () => {
      if (delay > 0) await waitPrecisely(delay, closing);
      if (closing.cancelled || incoming.destroyed) return;
      const onward = forward(
        {
          agent,
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: endToEnd(incoming.headers),
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
          answer.pipe(outgoing);
          answer.once('error', () => outgoing.destroy());
        },
      );
      onward.once('error', (error) => {
        if (outgoing.headersSent) outgoing.destroy();
        else outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`latency proxy: ${error.message}\n`);
      });
      // The caller gave up (a timeout, an abort): so does the request to the target.
      outgoing.once('close', () => {
        if (!outgoing.writableFinished) onward.destroy();
      });
      incoming.pipe(onward);
    })();
  });
  // The SDK keeps its sockets open between requests.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setDelayMs: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`latency proxy: a delay is 0 or more milliseconds, not ${ms}`);
      delayMs = ms;
    },
    requests: () => count,
    close: async () => {
      closing.cancelled = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** The least-squares slope of y over x (0 when every x is the same). */
export function leastSquaresSlope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n === 0) return 0;
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
  const sxx = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  const sxy = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

export type LatencySlopeOptions = {
  /** Milliseconds added to each DynamoDB request (default 0, 10, 25). */
  delays?: number[];
  /** Timed runs per delay, of which the median counts (default 15). */
  repeats?: number;
};

export type LatencySlope = {
  /** Median milliseconds of `run` per delay, keyed by the delay ("0", "10", "25"). */
  perDelay: Record<string, number>;
  /** Milliseconds added per millisecond of delay: sequential DynamoDB round trips, to 1 decimal. */
  roundTrips: number;
};

/**
 * Time `run` (one webhook, each run doing the same work) at each delay and estimate its sequential
 * DynamoDB round trips as the least-squares slope of the median time over the delay. One untimed run
 * first warms connections and caches; the delays then take turns, run by run, so machine noise hits
 * every delay alike. The proxy's delay is 0 again afterwards.
 */
export async function latencySlope(
  run: () => Promise<unknown>,
  proxy: Pick<LatencyProxy, 'setDelayMs'>,
  options: LatencySlopeOptions = {},
): Promise<LatencySlope> {
  const delays = options.delays ?? [0, 10, 25];
  const repeats = options.repeats ?? 15;
  if (delays.length < 2 || new Set(delays).size !== delays.length)
    throw new Error(`latencySlope: give two or more different delays, not ${delays.join(', ')}`);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`latencySlope: repeats must be a whole number of 1 or more, not ${repeats}`);
  const samples = new Map<number, number[]>(delays.map((delay) => [delay, []]));
  try {
    proxy.setDelayMs(0);
    await run();
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      for (const delay of delays) {
        proxy.setDelayMs(delay);
        const started = performance.now();
        await run();
        samples.get(delay)?.push(performance.now() - started);
      }
    }
  } finally {
    proxy.setDelayMs(0);
  }
  const perDelay: Record<string, number> = {};
  const points = delays.map((delay) => {
    const y = median(samples.get(delay) ?? []);
    perDelay[String(delay)] = Math.round(y * 100) / 100;
    return { x: delay, y };
  });
  return { perDelay, roundTrips: Math.round(leastSquaresSlope(points) * 10) / 10 };
}
