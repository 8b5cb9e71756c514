import { describe, expect, it } from 'vitest';
import { bareParameters, parseVoiceParameters } from '../../functions/twilio/parameters.js';

const CALL = 'CA0123456789abcdef0123456789abcdef';

describe("Twilio's parameters at the boundary", () => {
  it('parses a dial action into typed camelCase values', () => {
    const outcome = parseVoiceParameters('dial-result', {
      CallSid: CALL,
      From: '+15550001111',
      To: '+493012345678',
      CallStatus: 'in-progress',
      DialCallStatus: 'no-answer',
      DialCallDuration: '0',
      DialCallSid: '',
    });
    expect(outcome).toMatchObject({
      ok: true,
      parameters: {
        callSid: CALL,
        from: '+15550001111',
        to: '+493012345678',
        callStatus: 'in-progress',
        dialCallStatus: 'no-answer',
        dialCallDuration: 0,
        dialCallSid: undefined,
      },
    });
  });

  it('names the parameter a kind of request requires when it is missing or malformed', () => {
    expect(parseVoiceParameters('dial-result', { CallSid: CALL })).toEqual({
      ok: false,
      problem: 'DialCallStatus: Invalid input: expected string, received undefined',
    });
    expect(parseVoiceParameters('leg', { CallSid: CALL, ParentCallSid: CALL, CallStatus: 'completed', SequenceNumber: 'two' })).toEqual({
      ok: false,
      problem: 'SequenceNumber: must be a whole number',
    });
    expect(parseVoiceParameters('incoming', { CallSid: 'not-a-call' })).toEqual({
      ok: false,
      problem: 'CallSid: must be a CallSid (CA...)',
    });
    expect(parseVoiceParameters('line-wait', { CallSid: CALL, QueueTime: '-3' })).toEqual({
      ok: false,
      problem: 'QueueTime: must be a number of seconds',
    });
  });

  it('reads an empty value as absent, and keeps a status word it does not know as text', () => {
    expect(parseVoiceParameters('extension', { CallSid: CALL, Digits: '' })).toMatchObject({ ok: true, parameters: { digits: undefined } });
    expect(parseVoiceParameters('status', { CallSid: CALL, CallStatus: 'some-new-status' })).toMatchObject({
      ok: true,
      parameters: { callStatus: 'some-new-status', callDuration: undefined },
    });
  });

  it('gives only what each kind carries: a leg callback has no digits, a queue action its result', () => {
    const leg = parseVoiceParameters('leg', {
      CallSid: CALL,
      ParentCallSid: CALL,
      CallStatus: 'completed',
      SequenceNumber: '2',
      CallDuration: '31',
      Digits: '5',
    });
    expect(leg).toMatchObject({ ok: true, parameters: { parentCallSid: CALL, sequenceNumber: 2, callDuration: 31, digits: undefined } });
    expect(parseVoiceParameters('line-left', { CallSid: CALL, QueueResult: 'hangup', QueueTime: '40' })).toMatchObject({
      ok: true,
      parameters: { queueResult: 'hangup', queueTime: 40 },
    });
  });

  it('keeps the call of a request that did not parse, for the log and the answer', () => {
    expect(bareParameters({ CallSid: CALL, From: '+15550001111', To: '' })).toMatchObject({
      callSid: CALL,
      from: '+15550001111',
      to: undefined,
      dialCallStatus: undefined,
    });
    expect(bareParameters({}).callSid).toBe('CAunknown');
  });
});
