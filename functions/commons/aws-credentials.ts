import { createRequire } from 'node:module';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { DefaultProviderInit, defaultProvider as sdkDefaultProvider } from '@aws-sdk/credential-provider-node';

/**
 * The AWS SDK's default credential chain, with its first link (the environment) loaded eagerly and
 * the rest (SSO, shared ini files, credential_process, web identity, container and instance metadata)
 * only when the environment has no keys. Lambda puts the function role's credentials in the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so a deployed function
 * never loads the rest; a developer's machine with only a profile does.
 *
 * The DynamoDB client (functions/store/client.ts) gets its credentials here. The deployed bundles
 * also map `@aws-sdk/credential-provider-node` to this module (lib/bundling.ts), so that the SDK
 * clients' default runtime config, which imports the chain statically, carries no chain either: it
 * is 40 % of a bare DynamoDB client's bundle and about 50 ms of the voice function's cold start
 * (`npm run bench`, cold_start; docs/decisions.md). In such a bundle the rest of the chain comes from
 * the SDK the Lambda runtime ships (on NODE_PATH), if ever needed.
 *
 * Same order as the SDK's chain: with AWS_PROFILE set (or a `profile` given) the environment's keys
 * are skipped there too.
 */
export function defaultProvider(init: DefaultProviderInit = {}): ReturnType<typeof fromEnv> {
  const fromEnvironment = fromEnv(init);
  let chain: ReturnType<typeof fromEnv> | undefined;
  return async (props) => {
    if (!(init.profile ?? process.env.AWS_PROFILE) && process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY)
      return fromEnvironment(props);
    chain ??= loadChain(init);
    return chain(props);
  };
}

/**
 * A require the bundler leaves alone (it only follows `require` and `import`): resolved at run time,
 * from node_modules here, from the Lambda runtime's NODE_PATH in a bundle.
 */
const requireAtRunTime = createRequire(import.meta.url);

function loadChain(init: DefaultProviderInit): ReturnType<typeof fromEnv> {
  let sdk: { defaultProvider: typeof sdkDefaultProvider };
  try {
    sdk = requireAtRunTime('@aws-sdk/credential-provider-node') as typeof sdk;
  } catch (error) {
    const failure = Object.assign(
      new Error(
        `no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and the default credential provider chain cannot be loaded (${error instanceof Error ? error.message : String(error)})`,
      ),
      { name: 'CredentialsProviderError', tryNextLink: false },
    );
    return async () => {
      throw failure;
    };
  }
  return sdk.defaultProvider(init);
}
