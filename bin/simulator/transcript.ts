import { formatClock } from './clock.js';
import type { CallResult, TranscriptEvent } from './engine.js';

/** The simulation as a readable transcript: one line per thing the caller or a device does. */

function who(noun: string, member: string | undefined): string {
  if (member === undefined || member === noun) return noun;
  return `${member} (${noun})`;
}

function describe(event: TranscriptEvent, members: ReadonlyMap<string, string>): string {
  switch (event.type) {
    case 'call-start':
      return event.direction === 'outbound-api'
        ? `created call from ${event.from} to ${event.to} starts ringing (${event.sid})`
        : `call from ${event.from} to ${event.to} (${event.sid})`;
    case 'call-created':
      return `REST: the project creates a call from ${event.from} to ${event.to} (${event.sid}); it starts at ${formatClock(event.startsAt)}`;
    case 'call-unanswered':
      return `the created call ends unanswered: ${event.status}`;
    case 'say':
      return `caller hears: "${event.text}"${event.language === undefined ? '' : ` [${event.language}]`}`;
    case 'play':
      return `caller hears audio ${event.url}`;
    case 'pause':
      return `silence for ${event.seconds} s`;
    case 'gather': {
      const where = event.queue === undefined ? '' : ` while waiting in line ${event.queue}`;
      return event.digits === undefined ? `no keys pressed${where}` : `caller pressed ${event.digits}${where}`;
    }
    case 'wait-gather-action':
      return `the keys ${event.digits} go to the <Gather>'s action ${event.url}; its answer plays in line ${event.queue}`;
    case 'redirect':
      return `redirected to ${event.url}`;
    case 'offer':
      return `offer: rings ${event.nouns.map((noun) => who(noun, members.get(noun))).join(', ')} for ${event.timeout} s (+5 s Twilio buffer)`;
    case 'device': {
      const name = who(event.noun, event.member);
      const text = {
        answered: 'answers',
        busy: 'is busy',
        rejected: 'rejects the call',
        failed: 'cannot be reached',
        'no-answer': 'does not answer',
        canceled: 'stops ringing',
        'hung-up': 'hangs up',
      }[event.outcome];
      return `  ${name} ${text}`;
    }
    case 'dial-end':
      if (event.bridged === false) return `offer ended: ${event.status}, never bridged (the answered leg did not accept)`;
      return event.status === 'completed'
        ? `connected to ${event.answeredBy ?? '?'} for ${event.talkSeconds ?? 0} s`
        : `offer ended: ${event.status}`;
    case 'screen': {
      const name = who(event.noun, event.member);
      return {
        hears: `  ${name} hears: "${event.text ?? ''}"`,
        pressed: `  ${name} presses ${event.text ?? ''}`,
        'no-key': `  ${name} presses no key`,
        accepted: `  ${name} accepts the call`,
        declined: `  ${name} is hung up: it did not accept the call`,
      }[event.what];
    }
    case 'dial-action-ignored':
      return `Twilio requests the interrupted <Dial>'s action ${event.url} (DialCallStatus=canceled); its answer is ignored: ${event.verbs.length === 0 ? 'an empty <Response/>' : event.verbs.map((verb) => `<${verb}>`).join('')}`;
    case 'record':
      return `caller leaves a message of ${event.seconds} s`;
    case 'enqueue':
      return `caller waits in line ${event.queue} at position ${event.position}`;
    case 'queue-leave':
      return `caller leaves line ${event.queue} (${event.result}) after ${event.waitedSeconds} s`;
    case 'rest':
      return `REST: ${event.what}`;
    case 'conference':
      switch (event.event) {
        case 'join':
          return `enters conference ${event.name}${event.with === undefined || event.with.length === 0 ? ' and waits' : ` (${event.with.join(', ')} already there)`}`;
        case 'start':
          return `conference ${event.name} starts: talking with ${(event.with ?? []).join(', ')}`;
        case 'leave':
          return `leaves conference ${event.name} after ${event.seconds ?? 0} s`;
        case 'end':
          return `conference ${event.name} ends`;
        default:
          return event.event satisfies never;
      }
    case 'hangup':
      return {
        twiml: 'the project hangs up',
        caller: 'caller hangs up',
        callee: 'the called device hangs up',
        'document-end': 'the TwiML ends: Twilio hangs up',
        rest: 'the call is ended through the REST API',
        reject: 'the call is rejected',
      }[event.by];
    case 'error':
      return `ERROR${event.rule === undefined ? '' : ` [${event.rule}]`}: ${event.message}`;
    case 'warning':
      return `WARNING ${event.code}: ${event.message}`;
    default:
      return event satisfies never;
  }
}

export function summary(result: CallResult): string {
  if (result.errors.length > 0) return `${result.id}: FAILED: ${result.errors.join('; ')}`;
  if (result.answeredBy !== undefined)
    return `${result.id}: answered by ${result.answeredBy} at ${formatClock(result.answeredAt ?? 0)}, talked ${result.talkSeconds ?? 0} s`;
  const recorded = result.recordings.find((recording) => recording.seconds > 0);
  if (recorded !== undefined) return `${result.id}: nobody answered; the caller left a message of ${recorded.seconds} s`;
  return `${result.id}: nobody answered (${result.ended.replace('-', ' ')})`;
}

/** Transcript lines; with several calls each line names its call. */
export function formatTranscript(
  events: readonly TranscriptEvent[],
  results: readonly CallResult[],
  directory: ReadonlyMap<string, string> = new Map(),
): string {
  const several = results.length > 1;
  const lines = events.map((event) => `[${formatClock(event.at)}] ${several ? `${event.call}: ` : ''}${describe(event, directory)}`);
  return [...lines, '', ...results.map(summary)].join('\n');
}
