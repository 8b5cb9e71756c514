import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '../../bin/local/server.js';
import { readScenario, runScenario, scenarioSchema, type ScenarioTarget } from '../../bin/simulator/scenario.js';
import { httpTransport } from '../../bin/simulator/transport.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { handler as voiceHandler } from '../../functions/handlers/voice.js';
import { testApiPort } from '../support/api-port.js';
import { authToken } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const scenarioDir = join(import.meta.dirname, '..', 'scenarios');
const files = readdirSync(scenarioDir)
  .filter((file) => file.endsWith('.json'))
  .sort();

/** Every shipped scenario, played over HTTP against the local server with DynamoDB Local. */
describe('scenarios', () => {
  let server: Server;
  let target: ScenarioTarget;

  beforeAll(async () => {
    await createTestTable();
    server = createLocalServer({ voice: voiceHandler, admin: adminHandler });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    target = {
      baseUrl: `http://127.0.0.1:${port}`,
      adminUrl: `http://127.0.0.1:${port}/admin`,
      authToken: authToken(),
      transport: httpTransport,
      apiPort: testApiPort(),
    };
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('ships scenarios for SPEC sections 3, 4, 6, 7 to 9 and 15', () => {
    const prefixes = new Set(files.map((file) => file.replace(/\.json$/, '').split('-')[0]));

    expect(prefixes).toEqual(
      new Set(['incoming', 'distribution', 'missed', 'caller', 'pickup', 'internal', 'whisper', 'confirm', 'wrap', 'misses', 'line']),
    );
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(files)('%s passes', async (file) => {
    const report = await runScenario(readScenario(join(scenarioDir, file)), target);

    expect(report.failures).toEqual([]);
    expect(
      report.results.filter((result) => result.errors.length > 0).map((result) => ({ call: result.id, errors: result.errors })),
    ).toEqual([]);
  });

  it('fails wrong expectations, saying which expectation and why', async () => {
    const scenario = scenarioSchema.parse({
      name: 'deliberately wrong',
      config: {
        users: {
          anna: { name: 'Anna', devices: [{ type: 'client', identity: 'anna' }] },
          ben: { name: 'Ben', devices: [{ type: 'client', identity: 'ben' }] },
        },
        groups: { support: { name: 'Support', members: ['anna', 'ben'], whenNobodyAnswers: { action: 'voicemail' } } },
        numbers: { '+493012345678': { group: 'support' } },
      },
      devices: { ben: 'answer' },
      calls: [{ id: 'c1', to: '+493012345678' }],
      expect: [
        { call: 'c1', answeredBy: 'anna' },
        { call: 'c1', offers: ['ben'] },
        { call: 'c1', voicemail: { group: 'support' } },
        { offersPerMember: { anna: 2 } },
        { call: 'c1', hears: 'Willkommen' },
        { call: 'c1', answeredBy: 'ben' },
      ],
    });

    const report = await runScenario(scenario, target);

    expect(report.passed).toBe(false);
    expect(report.failures).toEqual([
      'expectation 1 {"call":"c1","answeredBy":"anna"} failed: call c1 was answered by ben',
      'expectation 2 {"call":"c1","offers":["ben"]} failed: call c1 was offered to ["anna","ben"]',
      'expectation 3 {"call":"c1","voicemail":{"group":"support"}} failed: no voicemail was stored for call c1',
      'expectation 4 {"offersPerMember":{"anna":2}} failed: offers per member were {"anna":1,"ben":1}; expected anna: 2',
      'expectation 5 {"call":"c1","hears":"Willkommen"} failed: call c1 heard []',
    ]);
  });

  it('refuses a scenario file that names a call it does not place', () => {
    expect(() => readScenario(join(import.meta.dirname, 'fixtures', 'bad-scenario.json'))).toThrow(
      'an expectation names call c9, which the scenario does not place',
    );
  });
});
