import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { deployedBundleOptions } from '../../lib/bundling.js';
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

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
/** Whole calls played once before measuring, to warm DynamoDB Local up. */
const WARM_UP_CALLS = 50;

/**
 * The cold-start figure of `npm run bench`: how long a fresh Lambda instance of the voice function
 * needs from its process's start to its first answered webhook, beside the bare SDK's.
 *   (a) the voice function bundled as the CDK deploys it (lib/bundling.ts), answering a signed
 *       /voice/incoming for a number whose group has members (it reads the configuration and offers
 *       the call to a member: several DynamoDB requests, TwiML);
 *   (b) the reference (bin/bench/cold-start-reference.ts): `@aws-sdk/client-dynamodb` with its
 *       defaults, one GetItem, bundled with the same options.
 * `runs` (default 11) fresh Node processes of each, interleaved so that machine noise hits both alike;
 * each measures with performance.now(), which counts from its process's time origin. Reports medians
 * and the ratio (a)/(b): 1.0 would be a voice function that starts as fast as the SDK alone lets it;
 * the same for the CPU time to the first answer (process.cpuUsage), which a busy machine disturbs less.
 * Beside them (c): (a) as the stack really runs it, with its source map and NODE_OPTIONS
 * `--enable-source-maps` (lib/app-function.ts), which makes Node read and parse the map at import.
 * After the measured webhook each voice process sends the call's status callback (not measured), so
 * every run finds the members free.
 */
export async function coldStartFigures(report: Report, options: FreshProcessOptions): Promise<void> {
  const runs = options.runs ?? 11;
  const bundles = await buildBundles();
  try {
    const sourceMapped = join(bundles.dir, 'voice-source-mapped.mjs');
    await build({
      ...deployedBundleOptions(join(root, 'functions', 'handlers', 'voice.ts'), sourceMapped),
      sourcemap: true,
      sourcesContent: false,
    });
    const env = childEnvironment(options);
    const sourceMapsEnv = { ...env, NODE_OPTIONS: '--enable-source-maps' };
    await seedConfiguration(bundles, options);
    const series = {
      voice: { firstAnswerMs: [] as number[], importMs: [] as number[], bootMs: [] as number[], cpuMs: [] as number[] },
      reference: { firstAnswerMs: [] as number[], importMs: [] as number[], bootMs: [] as number[], cpuMs: [] as number[] },
      sourceMapped: { firstAnswerMs: [] as number[], importMs: [] as number[], bootMs: [] as number[], cpuMs: [] as number[] },
    };
    const once = async (which: keyof typeof series, measured: boolean): Promise<void> => {
      const run =
        which === 'reference'
          ? await runFresh(bundles, bundles.reference, [{}], env)
          : await runFresh(
              bundles,
              which === 'voice' ? bundles.voice : sourceMapped,
              callWebhooks(),
              which === 'voice' ? env : sourceMapsEnv,
            );
      if (which !== 'reference') assertOffered(run.results[0]);
      if (!measured) return;
      series[which].firstAnswerMs.push(run.results[0]?.endMs ?? Number.NaN);
      series[which].importMs.push(run.importedMs - run.bootMs);
      series[which].bootMs.push(run.bootMs);
      series[which].cpuMs.push((run.importCpuMicros + (run.results[0]?.cpuMicros ?? Number.NaN)) / 1000);
    };
    // DynamoDB Local is a JVM: until its JIT has seen these requests a few dozen times each, they take
    // many times their later latency, which would count against the webhook's many requests and not
    // against the reference's one. Then one unmeasured run of each (the file cache).
    await runFresh(bundles, bundles.voice, Array.from({ length: WARM_UP_CALLS }, () => callWebhooks()).flat(), env);
    // Interleaved, and the order turns each round, so that neither what ran just before nor noise on
    // the machine favours one of them.
    const kinds = ['voice', 'reference', 'sourceMapped'] as const;
    for (let run = -1; run < runs; run += 1) {
      for (let index = 0; index < kinds.length; index += 1)
        await once(kinds[(index + Math.max(run, 0)) % kinds.length] ?? 'voice', run >= 0);
    }
    const voiceMs = median(series.voice.firstAnswerMs);
    const referenceMs = median(series.reference.firstAnswerMs);
    const sourceMappedMs = median(series.sourceMapped.firstAnswerMs);
    report('cold_start', {
      runs,
      voiceFirstAnswerMedianMs: round(voiceMs),
      referenceFirstAnswerMedianMs: round(referenceMs),
      ratio: round(voiceMs / referenceMs, 3),
      voiceImportMedianMs: round(median(series.voice.importMs)),
      referenceImportMedianMs: round(median(series.reference.importMs)),
      nodeBootMedianMs: round(median([...series.voice.bootMs, ...series.reference.bootMs])),
      // CPU (user + system) from the process's start to the first answer: less disturbed than the
      // wall time by other work on the machine.
      voiceCpuMedianMs: round(median(series.voice.cpuMs)),
      referenceCpuMedianMs: round(median(series.reference.cpuMs)),
      cpuRatio: round(median(series.voice.cpuMs) / median(series.reference.cpuMs), 3),
      withSourceMapsFirstAnswerMedianMs: round(sourceMappedMs),
      withSourceMapsImportMedianMs: round(median(series.sourceMapped.importMs)),
      withSourceMapsRatio: round(sourceMappedMs / referenceMs, 3),
    });
  } finally {
    bundles.dispose();
  }
}
