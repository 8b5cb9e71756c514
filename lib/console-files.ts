import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Source, type ISource } from 'aws-cdk-lib/aws-s3-deployment';

/**
 * The console's static files as a deployment source, built by console/build.ts with the project's
 * own esbuild while the CDK synthesizes (local bundling, as lib/bundling.ts does for the functions):
 * `cdk synth` needs no Docker.
 */

const root = join(fileURLToPath(import.meta.url), '..', '..');
const consoleDir = join(root, 'console');

type ConsoleBuild = { buildConsoleSync(outDir: string): void };

/**
 * console/build.ts, loaded once when this module is. A dynamic import, so the stack still synthesizes
 * (with a page saying so) in a checkout without the console; a console that fails to build fails the
 * synthesis below, as a function that fails to bundle does.
 */
const consoleBuild: ConsoleBuild | undefined = existsSync(join(consoleDir, 'build.ts'))
  ? ((await import('../console/build.js')) as ConsoleBuild)
  : undefined;

/** Shown at the console's URL when the checkout that deployed had no console/build.ts. */
const NO_CONSOLE_PAGE =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>Queue groups console</title><p>This deployment was made without the console (console/build.ts was missing). Deploy again from a complete checkout.</p></html>\n';

/** The console's files for the bucket (config.json is written beside them at deploy time). */
export function consoleFiles(): ISource {
  if (consoleBuild === undefined) return Source.data('index.html', NO_CONSOLE_PAGE);
  const build = consoleBuild;
  return Source.asset(consoleDir, {
    // Hashed by what the build made: the console imports code outside console/ (preact, shared
    // modules), so its sources alone would not tell when the files change.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never used: the local build below either succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      local: {
        tryBundle(outputDir: string): boolean {
          build.buildConsoleSync(outputDir);
          if (!existsSync(join(outputDir, 'index.html'))) throw new Error(`console/build.ts made no index.html in ${outputDir}`);
          return true;
        },
      },
    },
  });
}
