import { VOICE_MEMORY_MB } from '../../lib/function-sizes.js';
import {
  assertOffered,
  buildBundles,
  callWebhooks,
  childEnvironment,
  runFresh,
  seedConfiguration,
  type FreshProcessOptions,
  type Report,
} from './fresh-process.js';
import { median, round } from './stats.js';

/**
 * The memory figures of `npm run bench`: what the voice function's memory size buys, from CPU time
 * measured here. Lambda gives a function CPU in proportion to its memory, one vCPU at 1769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so CPU-bound work takes
 * `cpu ms / (memory / 1769)`; the DynamoDB round trips are I/O wait, the same at any size.
 *
 * `runs` fresh Node processes (default 5), each running the voice bundle as deployed (lib/bundling.ts)
 * against DynamoDB Local: the cold start (import, first /voice/incoming with its status callback), then
 * WARM_CALLS whole calls (incoming + status, 2 x WARM_CALLS warm webhooks). Measured with
 * process.cpuUsage (user + system, all threads: what Lambda's CPU quota counts) and the peak RSS.
 *
 * Reported:
 *   `memory_cpu`: medians over the processes of the cold start's CPU (from the process's start, as
 *     Lambda's INIT includes Node's own start; and the import and first webhook alone), the CPU per
 *     warm webhook (average over the process's warm webhooks), the warm webhooks' wall time here, and
 *     the highest peak RSS.
 *   `memory_size`, one per size: the vCPU share, the projected CPU-bound cold start and warm webhook,
 *     and the compute cost per million warm webhooks at the arm64 price (the stack runs on arm64):
 *     the CPU-bound part, the cost of each further millisecond of I/O wait, and the request charge.
 *   `memory_choice`: the smallest size that meets CHOICE_LIMITS, beside the one the stack configures
 *     (lib/function-sizes.ts). Below 1769 MB the CPU-bound part costs the same at every size and the
 *     I/O wait costs more with more memory, so the smallest size that answers in time is the cheapest.
 * Prices (US East, N. Virginia; https://aws.amazon.com/lambda/pricing/, first pricing tier):
 * $0.0000133334 per GB-second on arm64, $0.20 per million requests. Duration is billed per 1 ms.
 */
export const MEMORY_SIZES_MB = [128, 256, 512, 1024, 1769] as const;
export const ARM64_USD_PER_GB_SECOND = 0.0000133334;
export const USD_PER_MILLION_REQUESTS = 0.2;
const FULL_VCPU_MB = 1769;
/** Whole calls per process after the cold start: 2 x this many warm webhooks. */
const WARM_CALLS = 100;

export type MemoryProjection = {
  memoryMb: number;
  vcpuShare: number;
  coldStartCpuBoundMs: number;
  warmCpuBoundMs: number;
  computeUsdPerMillionWarm: number;
  ioWaitUsdPerMillionPerMs: number;
  requestUsdPerMillion: number;
  peakRssShare: number;
};

/**
 * What a size must do. Every webhook answers within 3 s (SPEC section 12), a cold one too: its CPU-bound
 * part may take a third of that; the rest is for its I/O (Secrets Manager, the configuration's load,
 * DynamoDB's round trips, each a new connection on a cold instance) and for a Lambda core slower than
 * the measuring machine's (a third, not half: the cold start measured 1.3 to 1.6 s at 512 MB, too near
 * half the budget for a machine's noise to decide the size). A warm webhook's CPU-bound part delays
 * every call it handles; the process's peak RSS keeps half of the memory free.
 */
export const CHOICE_LIMITS = { coldStartCpuBoundMs: 1000, warmCpuBoundMs: 50, peakRssShare: 0.5 } as const;

/** The smallest of MEMORY_SIZES_MB that meets CHOICE_LIMITS, if any. */
export function chooseMemory(projections: readonly MemoryProjection[]): number | undefined {
  return projections
    .filter(
      (size) =>
        size.coldStartCpuBoundMs <= CHOICE_LIMITS.coldStartCpuBoundMs &&
        size.warmCpuBoundMs <= CHOICE_LIMITS.warmCpuBoundMs &&
        size.peakRssShare <= CHOICE_LIMITS.peakRssShare,
    )
    .map((size) => size.memoryMb)
    .sort((a, b) => a - b)[0];
}

/** What one memory size makes of the measured CPU times (pure: test/bench/memory.test.ts). */
export function projectMemory(
  memoryMb: number,
  measured: { coldStartCpuMs: number; warmCpuMs: number; peakRssMb: number },
): MemoryProjection {
  const vcpuShare = Math.min(1, memoryMb / FULL_VCPU_MB);
  const gb = memoryMb / 1024;
  const warmCpuBoundMs = measured.warmCpuMs / vcpuShare;
  return {
    memoryMb,
    vcpuShare: round(vcpuShare, 3),
    coldStartCpuBoundMs: round(measured.coldStartCpuMs / vcpuShare, 0),
    warmCpuBoundMs: round(warmCpuBoundMs, 1),
    computeUsdPerMillionWarm: round((warmCpuBoundMs / 1000) * gb * ARM64_USD_PER_GB_SECOND * 1e6, 3),
    ioWaitUsdPerMillionPerMs: round((1 / 1000) * gb * ARM64_USD_PER_GB_SECOND * 1e6, 4),
    requestUsdPerMillion: USD_PER_MILLION_REQUESTS,
    peakRssShare: round(measured.peakRssMb / memoryMb, 2),
  };
}

export async function memoryFigures(report: Report, options: FreshProcessOptions): Promise<void> {
  const runs = options.runs ?? 5;
  const bundles = await buildBundles();
  try {
    const env = childEnvironment(options);
    await seedConfiguration(bundles, options);
    // DynamoDB Local (a JVM) warms up first, so that its own start does not stretch the wall times.
    await runFresh(bundles, bundles.voice, Array.from({ length: 50 }, () => callWebhooks()).flat(), env);
    const samples = {
      coldStartCpuMs: [] as number[],
      startAndImportCpuMs: [] as number[],
      firstWebhookCpuMs: [] as number[],
      warmCpuMs: [] as number[],
      warmIncomingCpuMs: [] as number[],
      warmStatusCpuMs: [] as number[],
      warmWallMs: [] as number[],
      peakRssMb: [] as number[],
    };
    for (let run = 0; run < runs; run += 1) {
      const events = Array.from({ length: WARM_CALLS + 1 }, () => callWebhooks()).flat();
      const { importCpuMicros, results, maxRssKb } = await runFresh(bundles, bundles.voice, events, env);
      assertOffered(results[0]);
      const first = results[0]?.cpuMicros ?? Number.NaN;
      const warm = results.slice(2);
      const average = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
      // process.cpuUsage() counts from the process's start: Node's own start and the import, then the
      // first webhook on top.
      samples.coldStartCpuMs.push((importCpuMicros + first) / 1000);
      samples.startAndImportCpuMs.push(importCpuMicros / 1000);
      samples.firstWebhookCpuMs.push(first / 1000);
      samples.warmCpuMs.push(average(warm.map((result) => result.cpuMicros)) / 1000);
      samples.warmIncomingCpuMs.push(average(warm.filter((_, index) => index % 2 === 0).map((result) => result.cpuMicros)) / 1000);
      samples.warmStatusCpuMs.push(average(warm.filter((_, index) => index % 2 === 1).map((result) => result.cpuMicros)) / 1000);
      samples.warmWallMs.push(median(warm.map((result) => result.wallMs)));
      samples.peakRssMb.push(maxRssKb / 1024);
    }
    const measured = {
      coldStartCpuMs: median(samples.coldStartCpuMs),
      warmCpuMs: median(samples.warmCpuMs),
      peakRssMb: Math.max(...samples.peakRssMb),
    };
    report('memory_cpu', {
      runs,
      warmWebhooksPerRun: 2 * WARM_CALLS,
      coldStartCpuMs: round(measured.coldStartCpuMs, 1),
      coldStartCpuMsLowest: round(Math.min(...samples.coldStartCpuMs), 1),
      startAndImportCpuMs: round(median(samples.startAndImportCpuMs), 1),
      firstWebhookCpuMs: round(median(samples.firstWebhookCpuMs), 1),
      warmCpuMsPerWebhook: round(measured.warmCpuMs, 2),
      warmCpuMsPerWebhookLowest: round(Math.min(...samples.warmCpuMs), 2),
      warmIncomingCpuMs: round(median(samples.warmIncomingCpuMs), 2),
      warmStatusCpuMs: round(median(samples.warmStatusCpuMs), 2),
      warmWallMsPerWebhookLocal: round(median(samples.warmWallMs), 2),
      peakRssMb: round(measured.peakRssMb, 1),
    });
    const projections = MEMORY_SIZES_MB.map((memoryMb) => projectMemory(memoryMb, measured));
    for (const projection of projections)
      report('memory_size', { ...projection, price: 'arm64 $0.0000133334/GB-s, $0.20/1M requests (us-east-1)' });
    report('memory_choice', { recommendedMb: chooseMemory(projections) ?? null, configuredMb: VOICE_MEMORY_MB, limits: CHOICE_LIMITS });
  } finally {
    bundles.dispose();
  }
}
