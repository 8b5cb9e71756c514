/** The console's runtime settings, read at boot from `/config.json` (same origin). */
export type CognitoSettings = {
  kind: 'cognito';
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  identityPoolId: string;
  /** The hosted UI's base URL, e.g. https://acme-queue-groups.auth.eu-central-1.amazoncognito.com */
  domain: string;
};

export type ConsoleConfig = { adminUrl: string; auth: { kind: 'none' } | CognitoSettings };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Checks the document's shape, so a wrong deployment says what is missing instead of failing later. */
export function parseConfig(value: unknown): ConsoleConfig {
  if (typeof value !== 'object' || value === null) throw new ConfigError('config.json is not a JSON object');
  const { adminUrl, auth } = value as { adminUrl?: unknown; auth?: unknown };
  if (!isText(adminUrl)) throw new ConfigError('config.json has no adminUrl');
  const kind = (auth as { kind?: unknown } | undefined)?.kind;
  if (kind === 'none') return { adminUrl, auth: { kind: 'none' } };
  if (kind !== 'cognito') throw new ConfigError('config.json: auth.kind must be "none" or "cognito"');
  const cognito = auth as Record<string, unknown>;
  const fields = ['region', 'userPoolId', 'userPoolClientId', 'identityPoolId', 'domain'] as const;
  const missing = fields.filter((field) => !isText(cognito[field]));
  if (missing.length > 0) throw new ConfigError(`config.json: auth lacks ${missing.join(', ')}`);
  return {
    adminUrl,
    auth: {
      kind: 'cognito',
      region: cognito.region as string,
      userPoolId: cognito.userPoolId as string,
      userPoolClientId: cognito.userPoolClientId as string,
      identityPoolId: cognito.identityPoolId as string,
      domain: (cognito.domain as string).replace(/\/+$/, ''),
    },
  };
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<ConsoleConfig> {
  const response = await fetcher('/config.json', { headers: { 'cache-control': 'no-cache' } });
  if (!response.ok) throw new ConfigError(`GET /config.json answered ${response.status}`);
  return parseConfig(await response.json());
}
