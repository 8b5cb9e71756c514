/**
 * A call's outcome from what it recorded (SPEC section 10 and 13), decided from state alone: the
 * outcome, the waiting and answering times, and what the end of a call still in a line means.
 */

/** What a call's item holds, as the voice routes use it (SPEC sections 5 to 10). */
export type CallState = {
  readonly callSid: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  /** The number's group. */
  readonly group: string | undefined;
  /** Every group that offered the call. */
  readonly groups: readonly string[];
  /** Every member ever offered the call (their marks are cleared at its end). */
  readonly offeredMembers: readonly string[];
  readonly answeredBy: string | undefined;
  readonly answeredAt: number | undefined;
  readonly startedAt: number | undefined;
  readonly voicemail: boolean;
  /** The caller asked to be called back from the waiting line and hung up (SPEC 16). */
  readonly callbackRequested: boolean;
  readonly abandoned: 'ringing' | 'waiting' | undefined;
  /** The group whose waiting line the caller joined, if any. */
  readonly lineGroup: string | undefined;
  /** The caller's place in that line (the key of its entry). */
  readonly linePlace: string | undefined;
  readonly lineJoinedAt: number | undefined;
  readonly lineLeftAt: number | undefined;
  readonly waitedSeconds: number | undefined;
  /** When the project last moved the call with the REST API (epoch ms). */
  readonly redirectedAtMs: number | undefined;
  /** The call's outcome was written (its status callback came). */
  readonly finished: boolean;
};

/** Every outcome a call can end with (GET /calls?outcome= names them). */
export const CALL_OUTCOMES = [
  'answered',
  'missed',
  'voicemail',
  'abandoned-ringing',
  'abandoned-waiting',
  // SPEC 16: the caller's own call when they asked for a callback, then the callback's own record.
  'callback-requested',
  'called-back',
  'callback-failed',
] as const;

export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export type CallRecord = {
  callSid: string;
  from: string | undefined;
  to: string | undefined;
  /** The number's group. */
  group: string | undefined;
  /** Every group that offered the call (forward-to-group, extensions). */
  groups: string[];
  outcome: CallOutcome;
  answeredBy: string | undefined;
  /** Seconds from the call's start until a member answered. */
  answeredAfterSeconds: number | undefined;
  /** Seconds the caller spent in the waiting line, if they waited. */
  waitedSeconds: number | undefined;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
};

/** Seconds talked after the answer: the call's duration less its wait for the answer. */
export function talkSecondsOf(call: { readonly durationSeconds: number; readonly answeredAfterSeconds?: number | undefined }): number {
  return Math.max(0, call.durationSeconds - (call.answeredAfterSeconds ?? 0));
}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** The outcome of a call from what its item recorded. */
export function outcomeOf(call: CallState): CallOutcome {
  if (call.answeredBy !== undefined) return 'answered';
  if (call.voicemail) return 'voicemail';
  if (call.callbackRequested) return 'callback-requested';
  if (call.abandoned === 'waiting') return 'abandoned-waiting';
  if (call.abandoned === 'ringing') return 'abandoned-ringing';
  return 'missed';
}

export function recordOf(call: CallState, now: number, durationSeconds: number | undefined): CallRecord {
  // Twilio's CallDuration and the end's Timestamp place the start on Twilio's clock, which is also
  // the clock of the answer's Timestamp.
  const startedAt = durationSeconds !== undefined && Number.isFinite(durationSeconds) ? now - durationSeconds : (call.startedAt ?? now);
  const joined = call.lineJoinedAt;
  // A caller answered from the line left it when answered, even if that was never written.
  const left = call.lineLeftAt ?? call.answeredAt ?? now;
  return {
    callSid: call.callSid,
    from: call.from,
    to: call.to,
    group: call.group,
    groups: [...new Set([...(call.group === undefined ? [] : [call.group]), ...call.groups])].sort(),
    outcome: outcomeOf(call),
    answeredBy: call.answeredBy,
    answeredAfterSeconds: call.answeredAt === undefined ? undefined : Math.max(0, Math.round(call.answeredAt - startedAt)),
    waitedSeconds: call.waitedSeconds ?? (joined === undefined ? undefined : Math.max(0, Math.round(left - joined))),
    startedAt: iso(startedAt),
    endedAt: iso(now),
    durationSeconds: durationSeconds ?? Math.max(0, Math.round(now - startedAt)),
  };
}

/**
 * The call as it ended: a caller still in a line at the end hung up while waiting (unless someone had
 * answered), and left the line then.
 */
export function atCallEnd(call: CallState, stillWaiting: boolean, now: number): CallState {
  if (!stillWaiting || call.callbackRequested) return call;
  return {
    ...call,
    lineLeftAt: call.lineLeftAt ?? now,
    abandoned: call.answeredBy === undefined ? (call.abandoned ?? 'waiting') : call.abandoned,
  };
}

/** A call whose item is gone (expired) or never written: nothing recorded but its end. */
export function unknownCall(callSid: string): CallState {
  return {
    callSid,
    from: undefined,
    to: undefined,
    group: undefined,
    groups: [],
    offeredMembers: [],
    answeredBy: undefined,
    answeredAt: undefined,
    startedAt: undefined,
    voicemail: false,
    callbackRequested: false,
    abandoned: undefined,
    lineGroup: undefined,
    linePlace: undefined,
    lineJoinedAt: undefined,
    lineLeftAt: undefined,
    waitedSeconds: undefined,
    redirectedAtMs: undefined,
    finished: false,
  };
}
