import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/commons/aws-credentials.js';

const CHAIN = /@aws-sdk[\\/]credential-provider-node[\\/]/;
/** The files of the SDK's default chain that are loaded now. */
const chainFiles = (): string[] => Object.keys(createRequire(import.meta.url).cache).filter((file) => CHAIN.test(file));
const SOME_CHAIN_FILE = expect.arrayContaining([expect.stringMatching(CHAIN)]) as unknown;

/** The variables this file changes, restored after each test. */
const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** functions/commons/aws-credentials.ts: the environment first, the SDK's chain only without keys. */
describe('defaultProvider (environment first)', () => {
  it('answers with the environment keys without loading the default chain', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-session' });
    delete process.env.AWS_PROFILE;

    const credentials = await defaultProvider()();

    expect(credentials).toMatchObject({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'env-session' });
    expect(chainFiles()).toEqual([]);
  });

  it('falls back to the SDK chain, loaded then, when the environment has no keys', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    // Nothing for the chain to find here: no files, no instance metadata.
    Object.assign(process.env, {
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });

    await expect(defaultProvider()()).rejects.toThrow(
      /Could not load credentials from any providers|EC2 Instance Metadata Service access disabled/,
    );
    expect(chainFiles()).toEqual(SOME_CHAIN_FILE);
  });

  it('leaves the keys to the chain when a profile is named, as the SDK chain does', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_PROFILE: 'cold-start-test',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });

    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => warnings.push(message),
      error: () => undefined,
    };

    await expect(defaultProvider({ logger })()).rejects.toThrow();
    // The SDK chain's own words: it went on with the profile, not the keys.
    expect(warnings.join('\n')).toMatch(/proceed with the AWS_PROFILE value/);
  });
});
