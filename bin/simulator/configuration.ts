import { adminClient } from '../admin/client.js';

/**
 * Replace the whole configuration behind an admin API with the one in a file (users, groups, numbers,
 * schedules, settings), through the admin API itself: `npm run simulate -- load FILE`, and every scenario.
 */
export type Configuration = {
  users?: Record<string, unknown> | undefined;
  groups?: Record<string, Record<string, unknown>> | undefined;
  numbers?: Record<string, unknown> | undefined;
  schedules?: Record<string, unknown> | undefined;
  settings?: unknown | undefined;
  /** Members who are away (PUT /users/{id}/status); everyone else is available. */
  statuses?: Record<string, 'available' | 'away'> | undefined;
};

export class AdminApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminApiError';
  }
}

async function call(adminUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  try {
    return await adminClient(adminUrl, { timeoutMs: 10_000 }).request(method, path, body);
  } catch (error) {
    throw new AdminApiError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The configuration in one apply (PUT /configuration: all or nothing, as `npm run config -- apply`
 * does), then the members' statuses: the ones the file lists, everyone else available.
 */
export async function replaceConfiguration(
  adminUrl: string,
  configuration: Configuration,
  options: { fromScratch?: boolean } = {},
): Promise<void> {
  const { statuses = {}, ...document } = configuration;
  // A scenario expects members never rung before (the evenly rotation lives with the members, and an
  // apply keeps members it does not change): the empty configuration first removes them.
  if (options.fromScratch === true) await call(adminUrl, 'PUT', '/configuration', {});
  await call(adminUrl, 'PUT', '/configuration', document);
  const { users } = (await call(adminUrl, 'GET', '/users')) as { users: { id: string; status: 'available' | 'away' }[] };
  for (const user of users) {
    const status = statuses[user.id] ?? 'available';
    if (user.status !== status) await call(adminUrl, 'PUT', `/users/${user.id}/status`, { status });
  }
}

export type StoredVoicemail = {
  callSid: string;
  caller: string;
  group?: string;
  member?: string;
  durationSeconds: number;
  recordingUrl: string;
  recordedAt: string;
};

export async function listVoicemails(adminUrl: string): Promise<StoredVoicemail[]> {
  const { voicemails } = (await call(adminUrl, 'GET', '/voicemails?limit=1000')) as { voicemails: StoredVoicemail[] };
  return voicemails;
}
