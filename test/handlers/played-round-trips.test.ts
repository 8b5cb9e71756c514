import { beforeAll, describe, expect, it } from 'vitest';
import { installMeter, meter } from '../../bin/bench/request-meter.js';
import type { Transport } from '../../bin/simulator/engine.js';
import { documentClient } from '../../functions/store/client.js';
import { currentConfiguration } from '../../functions/store/configuration.js';
import { inProcessTransport, playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

/**
 * The webhooks only a played call reaches (a waiting caller moved to an offer by Twilio's REST API, the
 * offer's result, a colleague's pickup), each metered as the call simulator requests it: at most 2
 * sequential DynamoDB round trips with a warm configuration cache (test/handlers/round-trips.test.ts
 * holds the others to the same budget).
 */
const WARM_BUDGET = 2;
const LINE = '+493060000001';
const SUPPORT = '+493060000002';

type Metered = { route: string; roundTrips: number; chain: string; status: string | undefined; result: string | undefined };

/** The in-process transport, metering each request to a voice route. */
function meteredTransport(into: Metered[]): Transport {
  return async (request) => {
    const metered = await meter(() => inProcessTransport(request));
    into.push({
      route: new URL(request.url).pathname.replace('/voice/', ''),
      roundTrips: metered.roundTrips,
      chain: metered.requests.map((item) => `${item.depth}:${item.command}`).join(' '),
      status: request.params.DialCallStatus,
      result: request.params.QueueResult,
    });
    return metered.value;
  };
}

describe('sequential DynamoDB round trips of played calls', () => {
  beforeAll(async () => {
    installMeter(documentClient);
    await createTestTable();
    for (const id of ['fay', 'gus', 'hal']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('line', {
      members: ['fay'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 900 },
    });
    await loadGroup('support', {
      members: ['gus', 'hal'],
      distribution: 'all-at-once',
      rings: 4,
      pickup: true,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(LINE, { group: 'line' });
    await loadNumber(SUPPORT, { group: 'support' });
    // This instance has seen the configuration, as after any earlier call (a new instance is held to 3 elsewhere).
    await currentConfiguration();
  });

  it('a waiting caller moved to an offer nobody answers, back into the line, and then answered', async () => {
    const requests: Metered[] = [];
    // fay talks to the first caller; the second waits, is offered to fay when she hangs up, does not
    // answer it (no-answer), and is answered at the next offer.
    const { results } = await playCalls(
      [
        { id: 'talking', from: '+15550000001', to: LINE, at: 0 },
        { id: 'waiting', from: '+15550000002', to: LINE, at: 5 },
      ],
      { fay: [{ answerAfter: 1, hangUpAfter: 30 }, 'no-answer', { answerAfter: 2, hangUpAfter: 10 }] },
      { transport: meteredTransport(requests), playSeconds: 20 },
    );

    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(results.map((result) => result.answeredBy)).toEqual(['fay', 'fay']);
    const routes = requests.map((request) => request.route);
    expect(routes).toContain('line-offer');
    expect(requests.filter((request) => request.route === 'line-offer-result').map((request) => request.status)).toContain('no-answer');
    // The caller-facing ones: an answered offer's result comes when the conversation is over.
    const callerFacing = requests.filter(
      (item) =>
        ['incoming', 'line-wait', 'line-left', 'line-offer', 'line-offer-result'].includes(item.route) &&
        item.status !== 'completed' &&
        item.status !== 'answered',
    );
    expect(callerFacing.map((request) => request.route)).toEqual(
      expect.arrayContaining(['incoming', 'line-wait', 'line-left', 'line-offer', 'line-offer-result']),
    );
    for (const request of callerFacing) {
      expect(request.roundTrips, `${request.route} (${request.status ?? request.result ?? ''}): ${request.chain}`).toBeLessThanOrEqual(
        WARM_BUDGET,
      );
    }
  });

  it('a colleague picks up a ringing call', async () => {
    const requests: Metered[] = [];
    const { results } = await playCalls(
      [
        { id: 'caller', from: '+15550000003', to: SUPPORT, at: 0 },
        { id: 'hal-picks', from: 'client:hal', to: '*11', at: 5, path: '/voice/outbound', talkSeconds: 20 },
      ],
      { gus: 'no-answer' },
      { transport: meteredTransport(requests) },
    );

    expect(results.flatMap((result) => result.errors)).toEqual([]);
    expect(results[0]?.answeredBy).toBe('hal');
    const pickup = requests.find((request) => request.route === 'outbound');
    expect(pickup?.roundTrips, pickup?.chain).toBeLessThanOrEqual(WARM_BUDGET);
    const bridge = requests.find((request) => request.route === 'pickup-bridge');
    expect(bridge?.roundTrips, bridge?.chain).toBeLessThanOrEqual(WARM_BUDGET);
  });
});
