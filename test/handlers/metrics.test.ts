import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Outside Lambda the functions write no metrics unless asked (commons/metrics.ts): this file asks,
// before the handlers load.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_SERVICE_NAME = 'queue-groups-voice';
});

const { playCall } = await import('../support/call-player.js');
const { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } = await import('../support/fixtures.js');
const { postVoice } = await import('../support/invoke.js');
const { createTestTable } = await import('../support/table.js');
const { metrics } = await import('../../functions/commons/metrics.js');
const { createTwilioApi } = await import('../../functions/twilio-api/client.js');

/** One EMF document: `_aws` says which members are metrics and which dimensions. */
type Emf = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
} & Record<string, unknown>;

/** A metric as CloudWatch would take it from an EMF document. */
type Datum = { name: string; unit: string; values: number[]; dimensions: Record<string, string>; namespace: string };

function captureEmf(): { data: () => Datum[]; restore: () => void } {
  let written = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  });
  return {
    data: () =>
      written
        .split('\n')
        .filter((line) => line.startsWith('{"_aws"'))
        .map((line) => JSON.parse(line) as Emf)
        .flatMap((emf) =>
          emf._aws.CloudWatchMetrics.flatMap((directive) =>
            directive.Metrics.map((metric) => {
              const value = emf[metric.Name] as number | number[];
              const names = directive.Dimensions[0] ?? [];
              return {
                name: metric.Name,
                unit: metric.Unit,
                values: Array.isArray(value) ? value : [value],
                dimensions: Object.fromEntries(names.map((name) => [name, String(emf[name])])),
                namespace: directive.Namespace,
              };
            }),
          ),
        ),
    restore: () => spy.mockRestore(),
  };
}

const named = (data: readonly Datum[], name: string): Datum[] => data.filter((datum) => datum.name === name);
const total = (data: readonly Datum[], name: string): number =>
  named(data, name).reduce((sum, datum) => sum + datum.values.reduce((a, b) => a + b, 0), 0);

describe('the metrics a call emits', () => {
  let output: ReturnType<typeof captureEmf>;

  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
  });
  beforeEach(() => {
    output = captureEmf();
  });
  afterEach(() => output.restore());

  it('an answered call: CallsEnded with outcome answered, once, its offers and the time to answer', async () => {
    await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });

    const call = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'no-answer', ben: 'answer' } });

    expect(call.offers.map((offer) => offer.status)).toEqual(['no-answer', 'completed']);
    const data = output.data();
    const ended = named(data, 'CallsEnded');
    expect(ended).toEqual([
      {
        name: 'CallsEnded',
        unit: 'Count',
        values: [1],
        dimensions: { service: 'queue-groups-voice', outcome: 'answered' },
        namespace: 'QueueGroups',
      },
    ]);
    // anna, then ben: each member offered counts.
    expect(total(data, 'Offers')).toBe(2);
    const answered = named(data, 'TimeToAnswer');
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ unit: 'Seconds', dimensions: { service: 'queue-groups-voice' } });
    expect(answered[0]?.values[0]).toBeGreaterThanOrEqual(0);
    expect(named(data, 'Apologies')).toEqual([]);
  });

  it('a status callback Twilio repeats does not count the call again', async () => {
    await loadGroup('support', { members: ['anna'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(NUMBER_PLAIN, { group: 'support' });
    const call = await playCall({ to: NUMBER_PLAIN, voicemailSeconds: 5 });
    const statusCallback = call.requests.find(
      (request) => new URL(request.url).pathname === '/voice/status' && request.params.CallStatus === 'completed',
    );
    expect(statusCallback).toBeDefined();
    expect(named(output.data(), 'CallsEnded').map((datum) => datum.dimensions.outcome)).toEqual(['voicemail']);

    const again = captureEmf();
    try {
      const url = new URL(statusCallback?.url ?? '');
      expect((await postVoice({ pathAndQuery: `${url.pathname}${url.search}`, params: statusCallback?.params ?? {} })).statusCode).toBe(
        200,
      );
      expect(named(again.data(), 'CallsEnded')).toEqual([]);
    } finally {
      again.restore();
    }
  });

  it('the Fallback URL counts an apology', async () => {
    const result = await postVoice({
      pathAndQuery: '/voice/fallback',
      params: {
        CallSid: `CA${'5'.repeat(32)}`,
        From: '+15550001111',
        To: NUMBER_PLAIN,
        ErrorCode: '11205',
        ErrorUrl: 'https://queue-groups.example.test/voice/group?g=support',
      },
    });

    expect(result.statusCode).toBe(200);
    expect(named(output.data(), 'Apologies')).toEqual([
      { name: 'Apologies', unit: 'Count', values: [1], dimensions: { service: 'queue-groups-voice' }, namespace: 'QueueGroups' },
    ]);
  });
});

describe('REST failures', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // Twilio's answers by path: 500 for one call, 404 (gone) for another.
    server = createServer((request, response) => {
      request.resume();
      const gone = request.url?.includes('CAgone') === true;
      response.writeHead(gone ? 404 : 500, { 'content-type': 'application/json' });
      response.end(JSON.stringify(gone ? { code: 20404, message: 'not found' } : { message: 'internal error' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('counts a request that failed for good, not one for a call that is gone', async () => {
    const twilio = createTwilioApi({ baseUrl: base, accountSid: `AC${'0'.repeat(32)}`, authToken: async () => 'token' });
    const output = captureEmf();
    try {
      await expect(twilio.redirectCall('CAbroken', 'https://example.test/voice/line-offer')).rejects.toMatchObject({ status: 500 });
      await expect(twilio.redirectCall('CAgone', 'https://example.test/voice/line-offer')).rejects.toMatchObject({ status: 404 });
      metrics.publishStoredMetrics();
      expect(named(output.data(), 'RestFailures')).toEqual([
        { name: 'RestFailures', unit: 'Count', values: [1], dimensions: { service: 'queue-groups-voice' }, namespace: 'QueueGroups' },
      ]);
    } finally {
      output.restore();
    }
  });
});
