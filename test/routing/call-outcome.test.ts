import { describe, expect, it } from 'vitest';
import { atCallEnd, outcomeOf, recordOf, unknownCall, type CallState } from '../../functions/routing/call-outcome.js';
import { dialOutcome } from '../../functions/routing/dial-outcome.js';

const CALL = 'CA0123456789abcdef0123456789abcdef';
const call = (state: Partial<CallState>): CallState => ({ ...unknownCall(CALL), ...state });

describe("a call's outcome", () => {
  it('is answered before anything else, then voicemail, then abandoned while waiting or ringing, else missed', () => {
    expect([
      outcomeOf(call({ answeredBy: 'anna', voicemail: true, abandoned: 'waiting' })),
      outcomeOf(call({ voicemail: true, abandoned: 'ringing' })),
      outcomeOf(call({ abandoned: 'waiting' })),
      outcomeOf(call({ abandoned: 'ringing' })),
      outcomeOf(call({})),
    ]).toEqual(['answered', 'voicemail', 'abandoned-waiting', 'abandoned-ringing', 'missed']);
  });

  it("places the start on Twilio's clock from its CallDuration, and counts waiting from joining to leaving or the answer", () => {
    const record = recordOf(
      call({ startedAt: 900, answeredBy: 'ben', answeredAt: 1030, lineJoinedAt: 1010, groups: ['support'], group: 'sales' }),
      1100,
      120,
    );
    expect(record).toMatchObject({
      startedAt: new Date(980_000).toISOString(),
      endedAt: new Date(1_100_000).toISOString(),
      durationSeconds: 120,
      answeredAfterSeconds: 50,
      waitedSeconds: 20,
      groups: ['sales', 'support'],
      outcome: 'answered',
    });
    expect(recordOf(call({ startedAt: 900, waitedSeconds: 7, lineJoinedAt: 1000 }), 1100, undefined)).toMatchObject({
      durationSeconds: 200,
      waitedSeconds: 7,
    });
  });

  it('reads a caller still in a line at the end as abandoned while waiting, unless answered', () => {
    expect(atCallEnd(call({ lineJoinedAt: 10 }), true, 70)).toMatchObject({ abandoned: 'waiting', lineLeftAt: 70 });
    expect(atCallEnd(call({ answeredBy: 'anna', lineJoinedAt: 10 }), true, 70)).toMatchObject({ abandoned: undefined, lineLeftAt: 70 });
    expect(atCallEnd(call({ abandoned: 'ringing' }), false, 70)).toEqual(call({ abandoned: 'ringing' }));
  });
});

describe("a <Dial>'s outcome", () => {
  it('reads completed and answered as answered, the documented others as not answered, and says when a value is unknown', () => {
    expect(
      ['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled', 'complete', undefined].map((status) => dialOutcome(status)),
    ).toEqual([
      { outcome: 'answered', known: true },
      { outcome: 'answered', known: true },
      { outcome: 'not-answered', known: true },
      { outcome: 'not-answered', known: true },
      { outcome: 'not-answered', known: true },
      { outcome: 'not-answered', known: true },
      { outcome: 'not-answered', known: false },
      { outcome: 'not-answered', known: false },
    ]);
  });
});
