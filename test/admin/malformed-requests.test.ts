import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/** Run a refused request and check that it left every item of the table as it was. */
async function refused(method: string, path: string, body?: unknown): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const before = await tableSnapshot();
  const result = await admin(method, path, body);
  expect(await tableSnapshot()).toEqual(before);
  return result;
}

const anna = { name: 'Anna Schmidt', devices: [{ type: 'client', identity: 'anna' }] };

/** Requests the admin API cannot read: answered 400 with what is wrong, never 500, nothing written. */
describe('malformed requests', () => {
  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', anna);
    await put('/groups/support', { name: 'Support', members: ['anna'] });
    await put('/numbers/+493012345678', { group: 'support' });
  });

  describe('a path segment that is not valid percent-encoding', () => {
    it.each([
      ['a "%" alone', '%'],
      ['a "%" at the end of a segment', 'anna%'],
      ['a "%" with one hexadecimal digit', '%4'],
      ['a "%" followed by non-hexadecimal characters', '%zz'],
      ['a UTF-8 sequence cut short', '%E0%A4%A'],
      ['a UTF-8 sequence missing its last byte', '%E0%A4'],
      ['a continuation byte without a lead byte', '%80'],
      ['a byte that never occurs in UTF-8', '%FF'],
      ['an overlong encoding', '%C0%80'],
      ['an encoded UTF-16 surrogate', '%ED%A0%80'],
      ['a code point beyond U+10FFFF', '%F4%90%80%80'],
    ])('answers 400 naming the segment for %s', async (_kind, segment) => {
      const result = await refused('GET', `/users/${segment}`);

      expect(result).toEqual({
        statusCode: 400,
        body: {
          error: `path segment ${JSON.stringify(segment)} is not valid percent-encoding`,
          problems: [
            {
              path: 'path',
              message: `segment ${JSON.stringify(segment)}: each "%" must be followed by two hexadecimal digits, and the bytes they spell must be UTF-8`,
            },
          ],
        },
      });
    });

    it.each([
      ['PUT', '/users/%', anna],
      ['DELETE', '/users/%', undefined],
      ['PUT', '/users/%zz/status', { status: 'away' }],
      ['GET', '/groups/%E0%A4%A', undefined],
      ['PUT', '/groups/%E0%A4%A', { name: 'Support', members: ['anna'] }],
      ['DELETE', '/groups/%E0%A4%A', undefined],
      ['GET', '/groups/%/live', undefined],
      ['GET', '/numbers/%2B4930%', undefined],
      ['PUT', '/numbers/%2B4930%', { group: 'support' }],
      ['DELETE', '/numbers/%2B4930%', undefined],
      ['GET', '/%zz', undefined],
      ['POST', '/users/%', undefined],
      ['GET', '/users/anna/%FF', undefined],
    ])('answers 400 on %s %s, whatever the route and method, and writes nothing', async (method, path, body) => {
      const result = await refused(method, path, body);

      expect(result.statusCode).toBe(400);
      expect(result.body.error).toMatch(/^path segment ".+" is not valid percent-encoding$/);
    });

    it('names every bad segment of one path', async () => {
      const result = await refused('GET', '/groups/%zz/%');

      expect(result.body.error).toBe('path segment "%zz" is not valid percent-encoding');
      expect(result.body.problems).toEqual([
        {
          path: 'path',
          message: 'segment "%zz": each "%" must be followed by two hexadecimal digits, and the bytes they spell must be UTF-8',
        },
        {
          path: 'path',
          message: 'segment "%": each "%" must be followed by two hexadecimal digits, and the bytes they spell must be UTF-8',
        },
      ]);
    });

    it('cuts a huge segment short in the message', async () => {
      const result = await refused('GET', `/users/%${'a'.repeat(5000)}`);

      expect(result.statusCode).toBe(400);
      expect((result.body.error as string).length).toBeLessThan(200);
    });

    it('still decodes valid percent-encoding', async () => {
      expect((await admin('GET', '/numbers/%2B493012345678')).statusCode).toBe(200);
      expect((await admin('GET', '/users/%61nna')).body.name).toBe('Anna Schmidt');
    });
  });

  describe('a body that is not Unicode text', () => {
    it('refuses a lone surrogate in a field, naming its path', async () => {
      const result = await refused('PUT', '/users/anna', '{"name": "Anna \\ud800", "devices": [{"type": "client", "identity": "anna"}]}');

      expect(result).toEqual({
        statusCode: 400,
        body: {
          error: 'the body holds text that is not Unicode',
          problems: [{ path: '$.name', message: 'contains a lone UTF-16 surrogate, which is not Unicode text' }],
        },
      });
    });

    it('refuses a lone surrogate in a field name', async () => {
      const result = await refused('PUT', '/settings', '{"prompts": {"\\udc00": "Hallo"}}');

      expect(result.body.problems).toEqual([
        { path: '$.prompts', message: 'has a field name with a lone UTF-16 surrogate, which is not Unicode text' },
      ]);
    });

    it('accepts a character written as a surrogate pair', async () => {
      const result = await admin(
        'PUT',
        '/users/anna',
        '{"name": "Anna \\ud83d\\ude00", "devices": [{"type": "client", "identity": "anna"}]}',
      );

      expect(result.statusCode).toBe(200);
      expect(result.body.name).toBe('Anna 😀');
      await put('/users/anna', anna);
    });

    it('refuses a binary body that is not UTF-8', async () => {
      const before = await tableSnapshot();
      const event = toLambdaEvent({
        method: 'PUT',
        rawPath: '/users/anna',
        rawQueryString: '',
        headers: { 'content-type': 'application/octet-stream' },
        body: 'x',
      });
      event.body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64');

      const result = (await adminHandler(event, localContext('admin'))) as APIGatewayProxyStructuredResultV2;

      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body ?? '')).toEqual({
        error: 'the body is not UTF-8 text',
        problems: [{ path: '$', message: 'send the document as UTF-8 JSON' }],
      });
      expect(await tableSnapshot()).toEqual(before);
    });

    it('walks a deeply nested body without running out of stack', async () => {
      const deep = `{"name": "Anna", "devices": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`;

      const result = await refused('PUT', '/users/anna', deep);

      expect(result.statusCode).toBe(400);
      expect(result.body.problems).toEqual([{ path: '$.devices[0]', message: 'Invalid input: expected object, received array' }]);
    });
  });

  describe('GET /calls reads a bounded window', () => {
    it.each([
      ['since after until', 'since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z', 'must not be after until'],
      ['since in the future without until', 'since=2999-01-01T00:00:00Z', 'must not be in the future when until is not given'],
      [
        'a window of more than 366 days',
        'since=0001-01-01T00:00:00Z&until=2026-11-01T00:00:00Z',
        'since and until may be at most 366 days apart',
      ],
    ])('refuses %s', async (_what, query, message) => {
      const result = await admin('GET', `/calls?${query}`);

      expect(result).toEqual({ statusCode: 400, body: { error: 'the query is invalid', problems: [{ path: 'since', message }] } });
    });

    it.each(['%2B275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z'])('refuses a time outside the years 0 to 9999: %s', async (time) => {
      const result = await admin('GET', `/calls?until=${time}`);

      expect(result).toEqual({
        statusCode: 400,
        body: {
          error: 'the query is invalid',
          problems: [{ path: 'until', message: 'must be an ISO 8601 time such as 2026-11-26T10:00:00Z' }],
        },
      });
    });

    it('answers a window within the bound', async () => {
      const result = await admin('GET', '/calls?since=2026-10-26T00:00:00Z&until=2026-11-02T00:00:00Z');

      expect(result).toEqual({ statusCode: 200, body: { calls: [] } });
    });
  });

  it('refuses a SIP URI made of thousands of @ with 400, naming the field, and a SIP URI longer than 512 characters', async () => {
    const before = await tableSnapshot();

    const many = await admin('PUT', '/users/sip-at', { name: 'At', devices: [{ type: 'sip', uri: `sip:${'@'.repeat(30_000)}` }] });
    const long = await admin('PUT', '/users/sip-long', {
      name: 'Long',
      devices: [{ type: 'sip', uri: `sip:${'a'.repeat(600)}@acme.sip.twilio.com` }],
    });

    expect(many.statusCode).toBe(400);
    expect(JSON.stringify(many.body)).toContain('$.devices[0].uri');
    expect(long.statusCode).toBe(400);
    expect(JSON.stringify(long.body)).toContain('at most 512 characters');
    expect(await tableSnapshot()).toEqual(before);
  });
});
