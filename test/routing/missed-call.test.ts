import { describe, expect, it } from 'vitest';
import { startInGroup, withOffered } from '../../functions/routing/call-context.js';
import { missedCallStep } from '../../functions/routing/missed-call.js';
import { byId, group, member } from '../support/members.js';

const members = byId([member('anna', { mobile: '+491701234567' }), member('ben'), member('clara', { mobile: '+491707777777' })]);
const afterOffers = (groupId: string, offered: string[]) => withOffered(startInGroup(groupId), offered);

describe('missedCallStep', () => {
  it('voicemail belongs to the last member offered', () => {
    const support = group('support', { members: ['anna', 'ben'] });

    expect(missedCallStep(support, members, afterOffers('support', ['anna', 'ben']))).toEqual({
      kind: 'voicemail',
      group: 'support',
      member: 'ben',
    });
  });

  it("voicemail belongs to the group's first member when nobody was offered", () => {
    expect(missedCallStep(group('support', { members: ['clara', 'anna'] }), members, startInGroup('support'))).toEqual({
      kind: 'voicemail',
      group: 'support',
      member: 'clara',
    });
  });

  it('voicemail of a member-extension call belongs to the dialled member even if never offered', () => {
    const context = startInGroup('support', [], { kind: 'member-extension', member: 'clara' });

    expect(missedCallStep(group('support', { members: ['anna'] }), members, context)).toEqual({
      kind: 'voicemail',
      group: 'support',
      member: 'clara',
    });
  });

  it("forward-to-mobile dials the named member's mobile", () => {
    const support = group('support', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-mobile', member: 'clara' } });

    expect(missedCallStep(support, members, afterOffers('support', ['ben']))).toEqual({
      kind: 'forward',
      to: '+491707777777',
      group: 'support',
      member: 'clara',
    });
  });

  it('forward-to-mobile without a name dials the mobile of the last member offered', () => {
    const support = group('support', { members: ['ben', 'anna'], whenNobodyAnswers: { action: 'forward-to-mobile' } });

    expect(missedCallStep(support, members, afterOffers('support', ['ben', 'anna']))).toEqual({
      kind: 'forward',
      to: '+491701234567',
      group: 'support',
      member: 'anna',
    });
  });

  it('forward-to-mobile falls back to voicemail when there is no mobile', () => {
    const support = group('support', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-mobile' } });

    expect(missedCallStep(support, members, afterOffers('support', ['ben']))).toEqual({
      kind: 'voicemail',
      group: 'support',
      member: 'ben',
      reason: 'no-mobile',
    });
    expect(missedCallStep(support, members, startInGroup('support'))).toEqual({
      kind: 'voicemail',
      group: 'support',
      member: 'ben',
      reason: 'no-mobile',
    });
  });

  it('forward-to-number dials the number', () => {
    const support = group('support', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-number', number: '+4940123456' } });

    expect(missedCallStep(support, members, afterOffers('support', ['ben']))).toEqual({
      kind: 'forward',
      to: '+4940123456',
      group: 'support',
      member: 'ben',
    });
  });

  it('forward-to-group starts the named group from its beginning, remembering the visit', () => {
    const front = group('front', { members: ['anna'], whenNobodyAnswers: { action: 'forward-to-group', group: 'back' } });

    expect(missedCallStep(front, members, afterOffers('front', ['anna']))).toEqual({
      kind: 'distribute',
      context: { group: 'back', offered: [], visited: ['front', 'back'], target: { kind: 'group' } },
    });
  });

  it('forward-to-group ends in voicemail when the chain comes back to a visited group', () => {
    const back = group('back', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-group', group: 'front' } });
    const context = { group: 'back', offered: ['ben'], visited: ['front', 'back'], target: { kind: 'group' } } as const;

    expect(missedCallStep(back, members, context)).toEqual({ kind: 'voicemail', group: 'back', member: 'ben', reason: 'loop' });
  });

  it('forward-to-group to itself ends in voicemail', () => {
    const self = group('self', { members: ['ben'], whenNobodyAnswers: { action: 'forward-to-group', group: 'self' } });

    expect(missedCallStep(self, members, afterOffers('self', ['ben']))).toMatchObject({ kind: 'voicemail', reason: 'loop' });
  });

  it("wait-for-agent puts the caller in the group's waiting line", () => {
    const line = group('line', { members: ['ben'], whenNobodyAnswers: { action: 'wait-for-agent' } });

    expect(missedCallStep(line, members, afterOffers('line', ['ben']))).toEqual({ kind: 'wait', group: 'line' });
  });

  it('hangup ends the call', () => {
    expect(missedCallStep(group('g', { whenNobodyAnswers: { action: 'hangup' } }), members, startInGroup('g'))).toEqual({ kind: 'hangup' });
  });
});
