import { describe, expect, it } from 'vitest';
import { afterQueueAction } from '../../functions/routing/waiting-line.js';

describe('the <Enqueue> action', () => {
  it('rings the claimed members, sends a caller who waited too long or lost their entry to voicemail, and puts one who left for no known reason back', () => {
    expect([
      afterQueueAction('leave', { state: 'offered' }, true),
      afterQueueAction('leave', { state: 'offered' }, false),
      afterQueueAction('leave', { state: 'timed-out' }, true),
      afterQueueAction('leave', undefined, true),
      afterQueueAction('leave', { state: 'waiting' }, true),
      afterQueueAction('leave', { state: 'nobody-available' }, true),
      afterQueueAction('leave', { state: 'to-voicemail' }, true),
    ]).toEqual(['ring-claimed', 'voicemail', 'max-wait', 'voicemail', 'back-into-line', 'nobody-available', 'voicemail']);
  });

  it('reads every other QueueResult, and one Twilio does not document as a failure', () => {
    expect(
      [
        'hangup',
        'redirected',
        'redirected-from-bridged',
        'bridged',
        'bridging-in-process',
        'queue-full',
        'error',
        'system-error',
        'something-new',
        undefined,
      ].map((result) => afterQueueAction(result, { state: 'waiting' }, true)),
    ).toEqual(['abandoned', 'moved-on', 'moved-on', 'moved-on', 'moved-on', 'failed', 'failed', 'failed', 'failed', 'failed']);
  });
});
