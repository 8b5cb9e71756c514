import { describe, expect, it } from 'vitest';
import { companyCallerId, ownCallStep, type ExtensionHolder } from '../../functions/routing/own-calls.js';
import { group, member } from '../support/members.js';

const holders: Record<string, ExtensionHolder> = {
  '101': { kind: 'user', id: 'anna' },
  '102': { kind: 'user', id: 'ben' },
  '103': { kind: 'user', id: 'dora' },
  '200': { kind: 'group', id: 'support' },
};
const base = {
  caller: member('ben'),
  holder: (extension: string) => holders[extension],
  groups: [group('support', { members: ['anna', 'ben'] }), group('accounts', { members: ['anna'] })],
  numbers: ['+493099999999', '+493011111111'],
};

describe("a member's own call", () => {
  it('distributes a call to a group extension as an outside call, never offered to the caller, with our first number as caller ID', () => {
    expect(ownCallStep({ ...base, dialled: { kind: 'extension', extension: '200' } })).toEqual({
      kind: 'distribute',
      context: {
        group: 'support',
        offered: [],
        visited: ['support'],
        target: { kind: 'internal-to-group', caller: 'ben', callerId: '+493011111111' },
      },
    });
  });

  it("rings a member with the rings of their first group by id, then the member's voicemail; a member in no group gets voicemail at once", () => {
    expect(ownCallStep({ ...base, dialled: { kind: 'extension', extension: '101' } })).toEqual({
      kind: 'distribute',
      context: {
        group: 'accounts',
        offered: [],
        visited: ['accounts'],
        target: { kind: 'internal-to-member', member: 'anna', callerId: '+493011111111' },
      },
    });
    expect(ownCallStep({ ...base, dialled: { kind: 'extension', extension: '103' } })).toEqual({ kind: 'voicemail', member: 'dora' });
  });

  it("refuses a device of no member, the caller's own extension, an extension nobody holds and digits it does not support", () => {
    expect([
      ownCallStep({ ...base, caller: undefined, dialled: { kind: 'extension', extension: '200' } }),
      ownCallStep({ ...base, dialled: { kind: 'extension', extension: '102' } }),
      ownCallStep({ ...base, dialled: { kind: 'extension', extension: '999' } }),
      ownCallStep({ ...base, dialled: { kind: 'unsupported' } }),
    ]).toEqual([
      { kind: 'refuse', why: 'unknown-caller' },
      { kind: 'refuse', why: 'not-supported' },
      { kind: 'refuse', why: 'unknown-extension' },
      { kind: 'refuse', why: 'not-supported' },
    ]);
    expect(companyCallerId([])).toBeUndefined();
  });
});
