import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the functions are bundled, shared by the CDK stack (lib/app-function.ts), the benchmark and
 * the bundle test, so the figures and the test are about what deploys.
 */

/** The project root: the CDK runs esbuild there. */
const root = join(fileURLToPath(import.meta.url), '..', '..');

export const BUNDLE_TARGET = 'node22';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
/** Bundled CommonJS dependencies (twilio, xmlbuilder) still call require() for Node built-ins. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

/**
 * Packages the bundles replace, with paths relative to the project root (esbuild resolves an alias
 * from its working directory, which is the project root when the CDK bundles).
 * `@aws-sdk/credential-provider-node`: the SDK's default credential chain, which every client's
 * default runtime config imports statically, becomes functions/commons/aws-credentials.ts: the
 * environment's keys (where Lambda puts them) without the chain's SSO, ini, process, web identity
 * and metadata providers and the STS/SSO clients they bring (`npm run bench`, cold_start).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './functions/commons/aws-credentials.ts',
};

/** The aliases as esbuild's command line takes them (the CDK runs esbuild's CLI). */
export function aliasArguments(): string[] {
  return Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`);
}

/** esbuild options that reproduce the deployed bundle of one handler (for bench and tests). */
export function deployedBundleOptions(entryPoint: string, outfile: string) {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    minify: true,
    platform: 'node' as const,
    target: BUNDLE_TARGET,
    format: 'esm' as const,
    mainFields: BUNDLE_MAIN_FIELDS,
    banner: { js: ESM_REQUIRE_BANNER },
    alias: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [from, join(root, to)])),
    outfile,
    logLevel: 'silent' as const,
  };
}
