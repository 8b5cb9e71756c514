/**
 * The simulator's public types: what a scenario tells the engine (callers, devices, options) and what
 * it gets back (transcript events, call results). engine.ts exports them with Simulation.
 */

/**
 * What a device does when it rings. `answer` answers after 2 s, presses 1 when its answered leg is
 * asked to confirm, and talks for 60 s. `voicemail-box`: the phone's own voicemail box answers after
 * 2 s and never presses a key. An object answers after `answerAfter` s, presses `keys` when asked
 * (default "1"; "" presses nothing) and hangs up after `hangUpAfter` s of talk.
 */
export type DeviceBehaviour =
  | 'answer'
  | 'voicemail-box'
  | 'no-answer'
  | 'busy'
  | 'reject'
  | 'failed'
  | { answerAfter: number; hangUpAfter?: number | undefined; keys?: string | undefined };

export type Behaviours = Record<string, DeviceBehaviour | DeviceBehaviour[]>;

export type CallerScript = {
  /** A name for the call in transcripts and expectations. */
  id: string;
  /** The call's CallSid (`CA` + 32 hex digits); a random one unless given, e.g. to replay a run. */
  sid?: string | undefined;
  from: string;
  to: string;
  /** Seconds after the simulation starts. */
  at?: number | undefined;
  /** Keys the caller presses during the first <Gather>, `digitsAfter` seconds into it (default 1). */
  digits?: string | undefined;
  digitsAfter?: number | undefined;
  /** The caller hangs up this many seconds after the call starts. */
  hangUpAfter?: number | undefined;
  /** Seconds the caller speaks into a <Record> (default 10; 0 hangs up at the beep). */
  message?: number | undefined;
  /** Behaviours for this call only, by member id or device address. */
  devices?: Behaviours | undefined;
  /**
   * The webhook the call starts at: `/voice/incoming` for a call to one of the numbers (default),
   * `/voice/outbound` for a call placed by a member's softphone or SIP phone (`from` is then
   * `client:<identity>` or the phone's SIP URI; such a `from` implies this path).
   */
  path?: string | undefined;
  /**
   * Seconds this caller talks once bridged through a <Dial><Queue> or in a started <Dial><Conference>
   * (default 60). In a conference the caller then hangs up.
   */
  talkSeconds?: number | undefined;
  /**
   * Seconds this call takes to enter a <Dial><Conference> once its TwiML asks for it (default 0), as
   * a slow network or Twilio's own delay would: a scenario chooses which side of a bridge arrives first.
   */
  conferenceDelay?: number | undefined;
  /**
   * Seconds a REST redirect of this call takes to reach it (default 0: at once). Meanwhile the call
   * goes on with what it was doing, e.g. its offer keeps ringing.
   */
  redirectDelay?: number | undefined;
  /**
   * End this caller's wait in a queue after `after` seconds with a QueueResult that Twilio produces
   * only on its own faults or races, so the project's handling of every QueueResult can be tested.
   */
  queueFault?: { after: number; result: QueueFault } | undefined;
  /**
   * Keys the caller presses while waiting in a queue: each entry is pressed at the first <Gather>
   * that runs in the queue's waitUrl document (or in a document answered to such a Gather's action)
   * at or after `after` seconds since the call started; a <Gather> already playing when that second
   * comes gets the keys then. The entries are pressed in order, one per <Gather> (e.g. "1" to open a
   * menu, then "1" to confirm; "4930123456#" typed with finishOnKey "#").
   */
  waitKeys?: readonly WaitKeys[] | undefined;
};

/** One entry of a caller's `waitKeys`. */
export type WaitKeys = { after: number; digits: string };

export type QueueFault = 'error' | 'system-error' | 'bridging-in-process' | 'redirected-from-bridged';

export type Transport = (request: {
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  signature: string;
}) => Promise<{ status: number; body: string }>;

export type SimulationOptions = {
  /** Where the project answers, e.g. http://127.0.0.1:3000; the call arrives at `${baseUrl}/voice/incoming`. */
  baseUrl: string;
  authToken: string;
  accountSid?: string;
  transport: Transport;
  /** Behaviours for every call, by member id or device address; unknown devices do not answer. */
  devices?: Behaviours;
  /** Device address (client identity, number, SIP URI) to member id, for transcripts and behaviours. */
  directory?: ReadonlyMap<string, string>;
  /** The number's "call status changes" URL, relative to baseUrl; null for none. */
  statusCallbackPath?: string | null;
  /** The size at which a queue is full (Twilio's default is 1000). */
  queueMaxSize?: number;
  /** Seconds a <Play> lasts (Twilio plays the whole file; we cannot know its length). */
  playSeconds?: number;
  /**
   * Whether Twilio requests the <Record> action after an empty recording: the docs disagree
   * (reference/twilio.md), so the project must work either way; default true.
   */
  emptyRecordingRequestsAction?: boolean;
  /**
   * When the REST API moves a call off a ringing <Dial> (a redirect with `Url` or `Twiml`, or a
   * dequeue), the <Dial> ends with every leg canceled and Twilio requests its action with
   * `DialCallStatus=canceled` (answer ignored: the call runs the new TwiML). Twilio's docs do not say
   * when, so each reading can be played: 'before' (default) right after the redirect, before the new
   * TwiML's first request; 'after' after that request; 'never' not at all.
   */
  interruptedDialAction?: InterruptedDialAction;
  /** When the other nouns of a <Dial> stop ringing once a leg with a `url` answers (OthersCanceled). */
  othersCanceled?: OthersCanceled;
  /**
   * The `DialCallStatus` of a <Dial> that ended because its answered leg's `url` document hung up
   * (never bridged; `DialBridged=false` either way): the docs do not say; default 'completed'.
   */
  declinedDialStatus?: 'completed' | 'no-answer';
  /**
   * The account's own numbers and verified caller IDs, for the checks Twilio makes of a created
   * call's `From` (error 21210) and of a <Dial callerId> (warning 13214). The numbers the fake REST
   * API was seeded with and the numbers the simulated callers dial count too. Without this option and
   * without seeded numbers the simulation cannot tell the account's numbers: any E.164 number passes.
   */
  accountNumbers?: readonly string[];
  /** Calls created through the REST API start at most this many per simulated second (Twilio's default CPS is 1). */
  callsPerSecond?: number;
};

export type InterruptedDialAction = 'before' | 'after' | 'never';

/**
 * When a noun with a `url` answers in a <Dial> that rings several, Twilio's docs say the first to
 * answer is connected and the rest are hung up, but not whether "answer" is the pick-up (before the
 * `url` document runs) or the bridge (after it): 'at-answer' (default) hangs the others up when the
 * leg picks up, 'at-bridge' lets them ring on until a leg is bridged.
 */
export type OthersCanceled = 'at-answer' | 'at-bridge';

export type TranscriptEvent = { at: number; call: string } & (
  | { type: 'call-start'; from: string; to: string; sid: string; direction?: 'outbound-api' }
  /** A call created through the REST API: logged when it was requested; `startsAt` is when it starts (CPS). */
  | { type: 'call-created'; from: string; to: string; sid: string; startsAt: number }
  | { type: 'say'; text: string; language?: string }
  | { type: 'play'; url: string }
  | { type: 'pause'; seconds: number }
  /** A <Gather> ended: the keys it got, if any; `queue` when it ran while the caller waited in that queue. */
  | { type: 'gather'; numDigits?: number; digits?: string; queue?: string }
  /** A <Gather> in a waitUrl document got keys: its action was requested (`url`). */
  | { type: 'wait-gather-action'; queue: string; url: string; digits: string }
  | { type: 'redirect'; url: string }
  | { type: 'offer'; nouns: string[]; members: string[]; timeout: number }
  | {
      type: 'device';
      noun: string;
      member?: string;
      outcome: 'answered' | 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled' | 'hung-up';
    }
  | { type: 'dial-end'; status: string; answeredBy?: string; talkSeconds?: number; bridged?: false }
  /** The answered leg's `url` document: what the device hears, the keys it pressed, how it ended. */
  | { type: 'screen'; noun: string; member?: string; what: 'hears' | 'pressed' | 'no-key' | 'accepted' | 'declined'; text?: string }
  /** The action of a <Dial> the REST API interrupted was requested; `verbs` is its answer, which Twilio ignores. */
  | { type: 'dial-action-ignored'; url: string; verbs: string[] }
  | { type: 'record'; seconds: number }
  | { type: 'enqueue'; queue: string; position: number }
  | { type: 'queue-leave'; queue: string; result: string; waitedSeconds: number }
  | { type: 'rest'; what: string }
  | { type: 'conference'; name: string; event: 'join' | 'start' | 'leave' | 'end'; with?: string[]; seconds?: number }
  | { type: 'hangup'; by: 'twiml' | 'caller' | 'callee' | 'document-end' | 'rest' | 'reject' }
  /** A created call that was never answered: its final CallStatus. */
  | { type: 'call-unanswered'; status: CreatedCallStatus }
  | { type: 'error'; message: string; rule?: string }
  /** Something Twilio reports as a warning in its debugger (e.g. 13214, an invalid callerId) while the call goes on. */
  | { type: 'warning'; code: number; message: string }
);

export type Offer = { at: number; nouns: string[]; members: string[]; timeout: number; status: string; answeredBy?: string };

export type CallResult = {
  id: string;
  sid: string;
  from: string;
  to: string;
  startedAt: number;
  endedAt: number;
  offers: Offer[];
  /** Member id (or device address) who took the call, if anyone. */
  answeredBy?: string;
  answeredAt?: number;
  talkSeconds?: number;
  recordings: { recordingSid: string; seconds: number }[];
  /** How the call ended; a created call that was never answered ends with its CallStatus (no-answer, busy, failed, canceled). */
  ended: 'hangup' | 'caller-hung-up' | 'document-ended' | 'rejected' | 'error' | Exclude<CreatedCallStatus, 'completed'>;
  errors: string[];
  /** Twilio debugger warnings (e.g. 13214): the call went on, but the project did something Twilio flags. */
  warnings?: string[];
  requests: { url: string; params: Record<string, string> }[];
  /** Only for a call created through the REST API (`POST /Calls.json`). */
  created?: CreatedCallFacts;
};

/** The final CallStatus of a created call (https://www.twilio.com/docs/voice/api/call-resource#call-status-values). */
export type CreatedCallStatus = 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';

/** What a created call's result adds: when it was requested and when it started (CPS pacing), its final status. */
export type CreatedCallFacts = { requestedAt: number; startsAt: number; status: CreatedCallStatus };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A transcript event before the engine stamps it with the time and the call. */
export type EventBody = DistributiveOmit<TranscriptEvent, 'at' | 'call'>;
