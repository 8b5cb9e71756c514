import { describe, expect, it } from 'vitest';
import { needsConfirmation, ringAgainAfterDecline, screeningFor } from '../../functions/routing/confirmation.js';

/** SPEC section 15: which answered legs must press 1, and what they hear. */
describe('confirmation', () => {
  it.each([
    ['phones', 'phone', true],
    ['phones', 'forward', true],
    ['phones', 'client', false],
    ['phones', 'sip', false],
    ['all', 'client', true],
    ['all', 'sip', true],
    ['off', 'phone', false],
    ['off', 'forward', false],
  ] as const)("confirm '%s' asks a %s leg: %s", (confirm, kind, expected) => {
    expect(needsConfirmation({ confirm }, kind)).toBe(expected);
  });

  it('screens a leg that must confirm or hear a whisper, and no other', () => {
    expect(screeningFor({ confirm: 'phones', whisper: 'off' }, 'client')).toBeUndefined();
    expect(screeningFor({ confirm: 'phones', whisper: 'off' }, 'phone')).toEqual({ confirm: true, whisper: 'off' });
    expect(screeningFor({ confirm: 'off', whisper: 'group' }, 'phone')).toEqual({ confirm: false, whisper: 'group' });
  });

  describe('ringAgainAfterDecline', () => {
    const offer = { offerMembers: ['pia', 'paul', 'anna'], stillRinging: new Set(['paul', 'anna']) };

    it('rings the members still ringing for the call again, without the one who declined', () => {
      expect(ringAgainAfterDecline({ ...offer, distribution: 'all-at-once', endedByDecline: true })).toEqual(['paul', 'anna']);
    });

    it('rings nobody again when no leg declined', () => {
      expect(ringAgainAfterDecline({ ...offer, distribution: 'all-at-once', endedByDecline: false })).toEqual([]);
    });

    it.each(['in-order', 'evenly'] as const)('%s goes on with the next member instead', (distribution) => {
      expect(ringAgainAfterDecline({ ...offer, distribution, endedByDecline: true })).toEqual([]);
    });
  });
});
