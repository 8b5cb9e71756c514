/**
 * How the functions are bundled, shared by the CDK stack (lib/app-function.ts), the benchmark and
 * the bundle test, so the figures and the test are about what deploys.
 */
export const BUNDLE_TARGET = 'node22';
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
/** Bundled CommonJS dependencies (twilio, xmlbuilder) still call require() for Node built-ins. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

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
    outfile,
    logLevel: 'silent' as const,
  };
}
