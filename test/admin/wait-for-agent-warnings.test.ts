import { beforeAll, describe, expect, it } from 'vitest';
import { admin, put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const NO_DEVICE = (id: string, maxWait: number): string =>
  `group ${id}: callers wait for a member, but no member of this group has a device; they would wait until maxWaitSeconds (${maxWait} s) and then reach voicemail`;
const NO_MEMBERS = (id: string, maxWait: number): string =>
  `group ${id}: callers wait for a member, but this group has no members; they would wait until maxWaitSeconds (${maxWait} s) and then reach voicemail`;
const DEFAULT_WAIT = (id: string): string =>
  `group ${id}: callers wait for a member and no maxWaitSeconds is set, so the default of 1800 seconds applies; then they reach voicemail`;

const waitForAgent = (maxWaitSeconds?: number): Record<string, unknown> => ({
  action: 'wait-for-agent',
  ...(maxWaitSeconds === undefined ? {} : { maxWaitSeconds }),
});

async function warningsOf(id: string): Promise<unknown> {
  return (await admin('GET', `/groups/${id}`)).body.warnings;
}

/** The admin API warns about a waiting line nobody can ever serve, and about its default length. */
describe('wait-for-agent warnings', () => {
  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', { name: 'Anna', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/users/ben', { name: 'Ben', devices: [] });
    await put('/users/clara', { name: 'Clara', devices: [] });
  });

  it('warns on PUT and GET when no member of the group has a device', async () => {
    const saved = await admin('PUT', '/groups/deviceless', {
      name: 'Deviceless',
      members: ['ben', 'clara'],
      whenNobodyAnswers: waitForAgent(600),
    });

    expect(saved.statusCode).toBe(201);
    expect(saved.body.warnings).toContain(NO_DEVICE('deviceless', 600));
    expect(await warningsOf('deviceless')).toContain(NO_DEVICE('deviceless', 600));
    const listed = (await admin('GET', '/groups')).body.groups as { id: string; warnings: string[] }[];
    expect(listed.find((group) => group.id === 'deviceless')?.warnings).toContain(NO_DEVICE('deviceless', 600));
  });

  it('warns when the group has no members at all', async () => {
    const saved = await admin('PUT', '/groups/empty', { name: 'Empty', members: [], whenNobodyAnswers: waitForAgent(120) });

    expect(saved.body.warnings).toEqual([
      'this group has no members: every call goes straight to its missed-call action',
      NO_MEMBERS('empty', 120),
    ]);
  });

  it('does not warn about devices when one member has a device, even while that member is away', async () => {
    await put('/groups/served', { name: 'Served', members: ['ben', 'anna'], whenNobodyAnswers: waitForAgent(600) });
    await put('/users/anna/status', { status: 'away' });

    const warnings = await warningsOf('served');

    await put('/users/anna/status', { status: 'available' });
    expect(warnings).toEqual(['member ben has no devices and is never offered a call']);
  });

  it('drops the device warning once a member gets a device', async () => {
    await put('/groups/later', { name: 'Later', members: ['clara'], whenNobodyAnswers: waitForAgent(300) });
    expect(await warningsOf('later')).toContain(NO_DEVICE('later', 300));

    await put('/users/clara', { name: 'Clara', devices: [{ type: 'phone', number: '+491701234567' }] });

    expect(await warningsOf('later')).toEqual([]);
    await put('/users/clara', { name: 'Clara', devices: [] });
  });

  it('names the default of 1800 seconds when maxWaitSeconds is not set', async () => {
    const saved = await admin('PUT', '/groups/patient', { name: 'Patient', members: ['anna'], whenNobodyAnswers: waitForAgent() });

    expect(saved.body.warnings).toEqual([DEFAULT_WAIT('patient')]);
    expect(await warningsOf('patient')).toEqual([DEFAULT_WAIT('patient')]);
  });

  it('gives both warnings when neither a device nor maxWaitSeconds is there', async () => {
    const saved = await admin('PUT', '/groups/hopeless', { name: 'Hopeless', members: ['ben'], whenNobodyAnswers: waitForAgent() });

    expect(saved.body.warnings).toEqual([
      'member ben has no devices and is never offered a call',
      NO_DEVICE('hopeless', 1800),
      DEFAULT_WAIT('hopeless'),
    ]);
  });

  it('says nothing about waiting for other missed-call actions', async () => {
    const saved = await admin('PUT', '/groups/voicemail-only', {
      name: 'Voicemail only',
      members: ['ben'],
      whenNobodyAnswers: { action: 'voicemail' },
    });

    expect(saved.body.warnings).toEqual(['member ben has no devices and is never offered a call']);
  });
});
