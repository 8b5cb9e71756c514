import type { Transport } from './engine.js';

/** Webhooks over HTTP, as Twilio sends them: form-encoded POST (or GET) with X-Twilio-Signature. */
export const httpTransport: Transport = async ({ url, method, params, signature }) => {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1 (queue-groups simulator)',
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body: new URLSearchParams(params).toString() } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    // Twilio waits 15 s at most, then plays its application error (11205).
    const reason =
      error instanceof Error && error.name === 'TimeoutError' ? 'did not answer within 15 s (Twilio error 11205)' : 'could not be reached';
    throw new Error(`${url} ${reason}: is the project running there? (npm start, or --base-url)`, { cause: error });
  }
  return { status: response.status, body: await response.text() };
};

/**
 * Device address -> member id, from the admin API (GET /users) when it can be reached, so that
 * transcripts name members and behaviours can be given per member. Against a deployment the admin
 * API needs IAM signatures; then behaviours are given per device address.
 */
export async function loadDirectory(adminUrl: string | undefined): Promise<Map<string, string>> {
  const directory = new Map<string, string>();
  if (adminUrl === undefined) return directory;
  try {
    const response = await fetch(`${adminUrl.replace(/\/+$/, '')}/users`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return directory;
    const { users } = (await response.json()) as {
      users: { id: string; devices: { type: string; identity?: string; uri?: string; number?: string }[]; mobile?: string }[];
    };
    for (const user of users) {
      for (const device of user.devices) {
        const address = device.identity ?? device.uri ?? device.number;
        if (address !== undefined) directory.set(address, user.id);
      }
      if (user.mobile !== undefined && !directory.has(user.mobile)) directory.set(user.mobile, `${user.id} (mobile)`);
    }
  } catch {
    // No admin API: transcripts show device addresses.
  }
  return directory;
}
