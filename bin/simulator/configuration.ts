/**
 * Replace the whole configuration behind an admin API with the one in a file (users, groups, numbers,
 * settings), through the admin API itself: `npm run simulate -- load FILE`, and every scenario.
 */
export type Configuration = {
  users?: Record<string, unknown> | undefined;
  groups?: Record<string, Record<string, unknown>> | undefined;
  numbers?: Record<string, unknown> | undefined;
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
  const response = await fetch(`${adminUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new AdminApiError(`${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

export async function replaceConfiguration(adminUrl: string, configuration: Configuration): Promise<void> {
  const [{ numbers }, { groups }, { users }] = (await Promise.all([
    call(adminUrl, 'GET', '/numbers'),
    call(adminUrl, 'GET', '/groups'),
    call(adminUrl, 'GET', '/users'),
  ])) as [{ numbers: { number: string }[] }, { groups: { id: string; name: string }[] }, { users: { id: string }[] }];
  // Remove what is there in an order the references allow: numbers, then groups emptied of their
  // references, then groups, then members.
  for (const number of numbers) await call(adminUrl, 'DELETE', `/numbers/${encodeURIComponent(number.number)}`);
  for (const group of groups) await call(adminUrl, 'PUT', `/groups/${group.id}`, { name: group.name, members: [] });
  for (const group of groups) await call(adminUrl, 'DELETE', `/groups/${group.id}`);
  for (const user of users) await call(adminUrl, 'DELETE', `/users/${user.id}`);

  for (const [id, document] of Object.entries(configuration.users ?? {})) await call(adminUrl, 'PUT', `/users/${id}`, document);
  // Groups may forward to groups defined after them: first without those actions, then in full.
  const groupEntries = Object.entries(configuration.groups ?? {});
  const forwards = (document: Record<string, unknown>): boolean =>
    (document.whenNobodyAnswers as { action?: string } | undefined)?.action === 'forward-to-group';
  for (const [id, document] of groupEntries)
    await call(adminUrl, 'PUT', `/groups/${id}`, forwards(document) ? { ...document, whenNobodyAnswers: { action: 'hangup' } } : document);
  for (const [id, document] of groupEntries.filter(([, document]) => forwards(document)))
    await call(adminUrl, 'PUT', `/groups/${id}`, document);
  for (const [number, document] of Object.entries(configuration.numbers ?? {}))
    await call(adminUrl, 'PUT', `/numbers/${encodeURIComponent(number)}`, document);
  await call(adminUrl, 'PUT', '/settings', configuration.settings ?? {});
  for (const [id, status] of Object.entries(configuration.statuses ?? {})) await call(adminUrl, 'PUT', `/users/${id}/status`, { status });
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
