import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, maskPhoneNumbers } from '../../functions/commons/logger.js';
import { playCall } from '../support/call-player.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { postVoice } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

// The suite logs nothing (LOG_LEVEL=silent); this file reads what the logger writes. The level is read
// once, before the modules load, and every invocation returns to it (Powertools), so it is set here.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'info';
});

type LogLine = Record<string, unknown> & { level?: string; message?: string };

/** What the process writes to stdout and stderr meanwhile (Powertools writes there, not through `console`). */
function captureOutput(): { text: () => string; lines: () => LogLine[]; restore: () => void } {
  let written = '';
  const capture = (chunk: unknown): boolean => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    text: () => written,
    lines: () =>
      written
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

const CALLER = '+15557654321';

describe('logger', () => {
  describe('maskPhoneNumbers', () => {
    it('keeps the last two digits of every E.164 number, plain or URL-encoded', () => {
      expect(maskPhoneNumbers('from +4930123456789 to +15550001111')).toBe('from +***********89 to +*********11');
      expect(maskPhoneNumbers('https://x.test/voice/forward?to=%2B491701234567&g=a')).toBe(
        'https://x.test/voice/forward?to=%2B**********67&g=a',
      );
      expect(maskPhoneNumbers('sip:+4930123456@acme.sip.twilio.com')).toBe('sip:+********56@acme.sip.twilio.com');
    });

    it('leaves SIDs, time zones, short numbers and identities alone', () => {
      const text = 'CA0123456789abcdef0123456789abcdef Tue, 04 Aug 2026 10:05:09 +0000 ext +101 client:anna 2026-08-04T10:05:09+02:00';
      expect(maskPhoneNumbers(text)).toBe(text);
    });
  });

  describe('a log line', () => {
    let output: ReturnType<typeof captureOutput>;
    beforeEach(() => {
      output = captureOutput();
    });
    afterEach(() => output.restore());

    it('masks numbers in the message, the fields, nested values, keys and errors', () => {
      logger.warn(`call from ${CALLER}`, { to: '+493000000001', targets: [{ number: '+491709999999' }], byNumber: { [CALLER]: 1 } });
      logger.error('forward failed', new Error(`Twilio refused ${CALLER}`), { from: CALLER });

      const text = output.text();
      expect(text).not.toMatch(/\+\d{7,}/);
      const [warning, error] = output.lines();
      expect(warning).toMatchObject({
        level: 'WARN',
        message: 'call from +*********21',
        to: '+**********01',
        targets: [{ number: '+**********99' }],
        byNumber: { '+*********21': 1 },
      });
      expect(error).toMatchObject({
        level: 'ERROR',
        from: '+*********21',
        error: { name: 'Error', message: 'Twilio refused +*********21' },
      });
    });
  });

  describe('in the voice handler', () => {
    let output: ReturnType<typeof captureOutput>;

    beforeAll(async () => {
      await createTestTable();
      await loadMembers();
      await loadGroup('support', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
      await loadNumber(NUMBER_PLAIN, { group: 'support' });
    });

    beforeEach(() => {
      output = captureOutput();
    });
    afterEach(() => output.restore());

    it("appends the request's CallSid to each of its lines, once, and not to the next request's", async () => {
      const callSid = `CA${'7'.repeat(32)}`;
      await postVoice({
        pathAndQuery: '/voice/incoming',
        params: { CallSid: callSid, From: CALLER, To: '+493099999999', CallStatus: 'ringing' },
      });
      logger.info('between requests');
      const other = `CA${'8'.repeat(32)}`;
      await postVoice({
        pathAndQuery: '/voice/incoming',
        params: { CallSid: other, From: CALLER, To: '+493099999999', CallStatus: 'ringing' },
      });

      const lines = output.lines();
      const unknownNumber = lines.filter((line) => line.message === 'call to an unknown number');
      expect(unknownNumber.map((line) => line.callSid)).toEqual([callSid, other]);
      // Powertools' Lambda context is there too.
      expect(unknownNumber[0]).toMatchObject({ function_name: 'voice', to: '+**********99' });
      const between = lines.find((line) => line.message === 'between requests');
      expect(between).toBeDefined();
      expect(between).not.toHaveProperty('callSid');
      for (const line of lines.filter((entry) => entry.message !== 'between requests')) expect(line.callSid).toBeDefined();
    });

    it("writes no caller's or member's number in a played call's log", async () => {
      const call = await playCall({ to: NUMBER_PLAIN, from: CALLER, voicemailSeconds: 5 });

      expect(call.offers.length).toBeGreaterThan(0);
      const text = output.text();
      expect(output.lines().length).toBeGreaterThan(0);
      for (const number of [CALLER, NUMBER_PLAIN, '+491709999999', '+491701234567']) expect(text).not.toContain(number.slice(1, -2));
      expect(text).not.toMatch(/(\+|%2B)\d{7,}/i);
    });
  });
});
