import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  configurationDocumentSchema,
  desiredOf,
  parseConfiguration,
  type ConfigurationDocument,
} from '../../functions/admin/configuration.js';
import { applyConfiguration, readConfigurationState } from '../../functions/store/configuration-apply.js';
import { currentConfiguration, type Configuration } from '../../functions/store/configuration.js';
import { admin, postVoice, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/** Configuration as code: GET and PUT /configuration against DynamoDB Local. */

const acme = JSON.parse(readFileSync(new URL('../../examples/acme.json', import.meta.url), 'utf8')) as Record<string, unknown>;

async function exported(): Promise<ConfigurationDocument> {
  const result = await admin('GET', '/configuration');
  expect(result.statusCode).toBe(200);
  return result.body as ConfigurationDocument;
}

async function version(): Promise<number> {
  return (await readConfigurationState()).version;
}

/** Every document and item of the table except the configuration's version and snapshot, to compare around an apply. */
async function configurationItems(): Promise<Record<string, unknown>[]> {
  return (await tableSnapshot()).filter((item) => item.pk !== 'CONFIG');
}

describe('configuration as code', () => {
  beforeEach(async () => {
    await createTestTable();
    // Each test starts from an empty configuration.
    const result = await admin('PUT', '/configuration', {});
    expect(result.statusCode).toBe(200);
  });

  it('applies the example company, exports it unchanged, and a second apply changes nothing', async () => {
    const first = await admin('PUT', '/configuration', acme);
    expect(first.statusCode).toBe(200);
    expect(first.body.applied).toBe(true);
    const changes = first.body.changes as { action: string; kind: string; id: string }[];
    expect(changes.filter((change) => change.action === 'create').map((change) => `${change.kind} ${change.id}`)).toEqual([
      'user anna',
      'user ben',
      'user clara',
      'group everyone',
      'group sales',
      'group support',
      'number +493012345670',
      'number +493012345678',
      'number +493012345679',
    ]);

    const document = await exported();
    expect(document).toEqual(configurationDocumentSchema.parse(acme));
    // The admin API's own documents agree with the export.
    expect((await admin('GET', '/groups/sales')).body).toMatchObject(document.groups.sales as object);

    const versionBefore = await version();
    const itemsBefore = await tableSnapshot();
    const again = await admin('PUT', '/configuration', document);
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ applied: false, changes: [] });
    expect(await version()).toBe(versionBefore);
    expect(await tableSnapshot()).toEqual(itemsBefore);
  });

  it('keeps what members set themselves (away) and the references the admin API relies on', async () => {
    await admin('PUT', '/configuration', acme);
    expect((await admin('PUT', '/users/ben/status', { status: 'away' })).statusCode).toBe(200);
    const changed = structuredClone(acme) as { users: Record<string, { name: string }> };
    changed.users.ben = { ...changed.users.ben, name: 'Ben B. Braun' } as { name: string };
    const result = await admin('PUT', '/configuration', changed);
    expect(result.body.changes).toEqual([
      { action: 'update', kind: 'user', id: 'ben', fields: [{ field: 'name', before: 'Ben Braun', after: 'Ben B. Braun' }] },
    ]);
    expect((await admin('GET', '/users/ben')).body).toMatchObject({ name: 'Ben B. Braun', status: 'away' });
    // Written by the apply, the references still refuse deleting a member a group names.
    expect((await admin('DELETE', '/users/ben')).statusCode).toBe(409);
    expect((await admin('DELETE', '/groups/support')).statusCode).toBe(409);
  });

  it('round-trips schedules, checks what they and their users name, and keeps a referenced schedule from being deleted', async () => {
    const withSchedules = structuredClone(acme) as {
      groups: Record<string, Record<string, unknown>>;
      numbers: Record<string, Record<string, unknown>>;
      schedules?: Record<string, unknown>;
    };
    withSchedules.schedules = {
      office: {
        name: 'Office',
        timeZone: 'Europe/Berlin',
        weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }],
        exceptions: [{ date: '2026-12-25', name: 'Christmas Day' }],
        override: { state: 'closed', until: '2026-12-01T08:00:00Z' },
        toggledBy: ['clara'],
      },
    };
    withSchedules.groups.sales = {
      ...withSchedules.groups.sales,
      schedule: 'office',
      whenClosed: { action: 'forward-to-mobile', member: 'anna' },
    };
    withSchedules.numbers['+493012345678'] = {
      ...withSchedules.numbers['+493012345678'],
      schedule: 'office',
      closedGreeting: { say: 'Closed' },
      whenClosed: { action: 'forward-to-group', group: 'everyone' },
    };
    const applied = await admin('PUT', '/configuration', withSchedules);
    expect(applied.statusCode).toBe(200);
    expect((applied.body.changes as { kind: string; id: string }[]).filter((change) => change.kind === 'schedule')).toEqual([
      expect.objectContaining({ action: 'create', id: 'office' }),
    ]);
    const document = await exported();
    expect(document).toEqual(configurationDocumentSchema.parse(withSchedules));
    expect((await admin('PUT', '/configuration', document)).body).toMatchObject({ applied: false, changes: [] });
    // The references the apply wrote refuse what the admin API refuses.
    expect((await admin('DELETE', '/schedules/office')).body).toEqual({
      error: 'schedule office is still referenced by group:sales, number:+493012345678',
    });
    expect((await admin('DELETE', '/users/clara')).statusCode).toBe(409);
    // The voice function's configuration (and its snapshot) carries the schedule with its override.
    expect((await currentConfiguration()).schedules.get('office')?.override).toEqual({ state: 'closed', until: '2026-12-01T08:00:00Z' });

    const references = parseConfiguration({
      users: { anna: { name: 'Anna' } },
      groups: {
        support: { name: 'Support', members: [], schedule: 'nowhere', whenClosed: { action: 'forward-to-mobile', member: 'zoe' } },
      },
      numbers: { '+493012345678': { group: 'support', schedule: 'ghost', whenClosed: { action: 'forward-to-group', group: 'gone' } } },
      schedules: { hours: { name: 'Hours', timeZone: 'UTC', toggledBy: ['zoe'] } },
    });
    expect(references.ok ? [] : references.problems).toEqual([
      { path: '$.groups.support.whenClosed.member', message: 'names user zoe, which is not in users' },
      { path: '$.groups.support.schedule', message: 'names schedule nowhere, which is not in schedules' },
      { path: '$.numbers.+493012345678.whenClosed.group', message: 'names group gone, which is not in groups' },
      { path: '$.numbers.+493012345678.schedule', message: 'names schedule ghost, which is not in schedules' },
      { path: '$.schedules.hours.toggledBy[0]', message: 'names user zoe, which is not in users' },
    ]);
  });

  it('a dry run lists the changes and writes nothing', async () => {
    await admin('PUT', '/configuration', acme);
    const before = await tableSnapshot();
    const changed = structuredClone(acme) as { groups: Record<string, Record<string, unknown>>; numbers: Record<string, unknown> };
    delete changed.numbers['+493012345670'];
    changed.groups.sales = { ...changed.groups.sales, rings: 6 };
    const result = await admin('PUT', '/configuration?dryRun=true', changed);
    expect(result.statusCode).toBe(200);
    expect(result.body).toMatchObject({ applied: false, dryRun: true });
    expect(result.body.changes).toEqual([
      { action: 'update', kind: 'group', id: 'sales', fields: [{ field: 'rings', before: 4, after: 6 }] },
      {
        action: 'delete',
        kind: 'number',
        id: '+493012345670',
        fields: [
          { field: 'extensions', before: false },
          { field: 'group', before: 'everyone' },
        ],
      },
    ]);
    expect(await tableSnapshot()).toEqual(before);
  });

  it('a bad file writes nothing and lists every problem', async () => {
    await admin('PUT', '/configuration', acme);
    const before = await tableSnapshot();
    const bad = {
      users: { anna: { name: 'Anna', extension: '101' }, ben: { name: 'Ben', extension: '101' }, Bad_Id: { name: 'x' } },
      groups: {
        support: { name: 'Support', members: ['anna', 'zoe'], whenNobodyAnswers: { action: 'forward-to-group', group: 'nowhere' } },
        sales: { name: '', members: [] },
      },
      numbers: { '+493012345678': { group: 'ghost' }, '12345': {} },
      settings: { pickupCode: '11', colour: 'blue' },
    };
    const result = await admin('PUT', '/configuration', bad);
    expect(result.statusCode).toBe(400);
    const paths = (result.body.problems as { path: string }[]).map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.users.Bad_Id', '$.groups.sales.name', '$.numbers.12345', '$.settings.pickupCode', '$.settings']),
    );
    expect(await tableSnapshot()).toEqual(before);

    // The schema's problems fixed, the references' problems are all listed too.
    const references = parseConfiguration({
      users: { anna: { name: 'Anna', extension: '101' }, ben: { name: 'Ben', extension: '101' } },
      groups: {
        support: { name: 'Support', members: ['anna', 'zoe'], whenNobodyAnswers: { action: 'forward-to-group', group: 'nowhere' } },
      },
      numbers: { '+493012345678': { group: 'ghost' } },
    });
    expect(references.ok).toBe(false);
    expect(references.ok ? [] : references.problems).toEqual([
      { path: '$.users.ben.extension', message: 'extension 101 is already used by user anna' },
      { path: '$.groups.support.members[1]', message: 'names user zoe, which is not in users' },
      { path: '$.groups.support.whenNobodyAnswers.group', message: 'names group nowhere, which is not in groups' },
      { path: '$.numbers.+493012345678.group', message: 'names group ghost, which is not in groups' },
    ]);

    // The waiting line's own actions name members and groups too (SPEC 16).
    const line = parseConfiguration({
      users: { anna: { name: 'Anna' } },
      groups: {
        support: {
          name: 'Support',
          members: ['anna'],
          whenNobodyAnswers: {
            action: 'wait-for-agent',
            maxCallers: 3,
            whenFull: { action: 'forward-to-group', group: 'overflow' },
            whenNobodyAvailable: { action: 'forward-to-mobile', member: 'zoe' },
            whenMaxWait: { action: 'voicemail' },
          },
        },
      },
    });
    expect(line.ok ? [] : line.problems).toEqual([
      { path: '$.groups.support.whenNobodyAnswers.whenFull.group', message: 'names group overflow, which is not in groups' },
      { path: '$.groups.support.whenNobodyAnswers.whenNobodyAvailable.member', message: 'names user zoe, which is not in users' },
    ]);
  });

  it('an apply after someone else changed the configuration is refused (If-Match), and nothing is written', async () => {
    await admin('PUT', '/configuration', acme);
    const read = await version();
    await put('/users/dora', { name: 'Dora', devices: [] });
    const before = await tableSnapshot();
    const result = await admin('PUT', '/configuration', acme, { 'if-match': `"${read}"` });
    expect(result.statusCode).toBe(409);
    expect(String(result.body.error)).toContain(`since version ${read} was read`);
    expect(await tableSnapshot()).toEqual(before);
  });
});

/** A company of `size` members in one group behind one number, all named after `label`. */
function company(label: string, size: number): ConfigurationDocument {
  const users = Object.fromEntries(
    Array.from({ length: size }, (_, index) => [
      `${label}-${index}`,
      { name: `${label} ${index}`, extension: String(1000 + index), devices: [{ type: 'client' as const, identity: `${label}-${index}` }] },
    ]),
  );
  return configurationDocumentSchema.parse({
    users,
    groups: { [label]: { name: label, members: Object.keys(users).slice(0, 90), distribution: 'all-at-once', rings: 2 } },
    numbers: { '+493011111111': { group: label, greeting: { say: `${label} greeting` } } },
    settings: { language: label === 'old' ? 'en-US' : 'de-DE' },
  });
}

/** What a webhook's configuration says, reduced to what tells two configurations apart. */
function summary(configuration: Configuration) {
  return {
    members: [...configuration.members.keys()].sort(),
    groups: [...configuration.groups.values()].map((group) => ({ id: group.id, members: group.members.length })),
    numbers: [...configuration.numbers.values()].map((number) => number.group),
    language: configuration.settings.language,
  };
}

/** The configuration a new function instance (fresh modules: empty cache) reads now. */
async function coldInstanceConfiguration(): Promise<Configuration> {
  vi.resetModules();
  const fresh = await import('../../functions/store/configuration.js');
  return fresh.currentConfiguration();
}

describe('an apply larger than one transaction', () => {
  it('is all or nothing: a call in the middle sees the old configuration whole, the next call the new one', async () => {
    await createTestTable();
    const old = company('old', 20);
    const next = company('new', 120);
    expect((await admin('PUT', '/configuration', old)).statusCode).toBe(200);
    const oldSummary = summary(await currentConfiguration());
    expect(oldSummary.members).toHaveLength(20);

    // An instance that last saw an older version: it must not load the items while they change.
    vi.resetModules();
    const staleModule = await import('../../functions/store/configuration.js');
    await staleModule.currentConfiguration();
    await put('/users/old-0', { name: 'old 0 renamed', extension: '1000', devices: [{ type: 'client', identity: 'old-0' }] });
    const oldWhole = summary(await currentConfiguration());

    const seen: ReturnType<typeof summary>[] = [];
    const refusals: number[] = [];
    let calls = 0;
    const outcome = await applyConfiguration(desiredOf(next), await version(), {
      batchSize: 10,
      afterBatch: async () => {
        seen.push(summary(await currentConfiguration()));
        seen.push(summary(await coldInstanceConfiguration()));
        seen.push(summary(await staleModule.currentConfiguration()));
        // A real call in the middle: the greeting of the old configuration, never the new one's.
        calls += 1;
        const call = await postVoice({
          pathAndQuery: '/voice/incoming',
          params: {
            CallSid: `CA${String(calls).padStart(32, '0')}`,
            From: '+491700000001',
            To: '+493011111111',
            CallStatus: 'ringing',
            Direction: 'inbound',
          },
        });
        expect(call.body).toContain('old greeting');
        // Other admin writes wait for the apply.
        refusals.push((await admin('PUT', '/users/old-1', { name: 'x', devices: [] })).statusCode);
      },
    });
    expect(outcome.kind).toBe('applied');
    expect(calls).toBeGreaterThan(20);
    expect(new Set(refusals)).toEqual(new Set([409]));
    for (const configuration of seen) expect(configuration).toEqual(oldWhole);

    const now = summary(await coldInstanceConfiguration());
    expect(now.members).toHaveLength(120);
    expect(now).toEqual(summary(await currentConfiguration()));
    expect(now.language).toBe('de-DE');
    const call = await postVoice({
      pathAndQuery: '/voice/incoming',
      params: { CallSid: `CA${'9'.repeat(32)}`, From: '+491700000001', To: '+493011111111', CallStatus: 'ringing', Direction: 'inbound' },
    });
    expect(call.body).toContain('new greeting');
  });

  it('an apply that dies halfway leaves the old configuration in use, and applying the file again finishes it', async () => {
    await createTestTable();
    const old = company('old', 10);
    const next = company('new', 60);
    await admin('PUT', '/configuration', old);
    const oldWhole = summary(await coldInstanceConfiguration());
    const itemsBefore = await configurationItems();
    await expect(
      applyConfiguration(desiredOf(next), await version(), {
        batchSize: 10,
        afterBatch: async (written) => {
          if (written >= 30) throw new Error('the admin function was stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(await configurationItems()).not.toEqual(itemsBefore);
    expect(summary(await coldInstanceConfiguration())).toEqual(oldWhole);
    // Other writes are refused with the reason, and so is an apply while the marker is fresh.
    const write = await admin('PUT', '/users/old-1', { name: 'x', devices: [] });
    expect(write.statusCode).toBe(409);
    expect(String(write.body.error)).toContain('apply');
    expect((await admin('PUT', '/configuration', next)).statusCode).toBe(409);

    // Once the marker is older than an admin request can run, the next apply takes it over.
    vi.useFakeTimers({ now: Date.now() + 5 * 60_000, toFake: ['Date'] });
    try {
      const again = await admin('PUT', '/configuration', next);
      expect(again.statusCode).toBe(200);
      expect(again.body.applied).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    expect(summary(await coldInstanceConfiguration()).members).toHaveLength(60);
    expect(await exported()).toEqual(next);
    expect((await admin('PUT', '/users/new-1', { name: 'new one', devices: [] })).statusCode).toBe(200);
  });
});
