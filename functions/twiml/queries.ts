import { contextFromQuery, contextToQuery, type CallContext, type ContextParseResult } from '../routing/call-context.js';

/**
 * What each of our own URLs carries in its query string, encoded and decoded in one place. The URLs
 * are handed to Twilio in TwiML or REST requests and come back signed, so what they carry is ours;
 * short keys keep them well inside Twilio's URL limits, and each key means one thing in every codec
 * (`g` a group, `m` a member, `p` a place in a line, `r` the members an offer rings, `t` when it
 * began, `call` another call's CallSid, `wu` the seconds of wrap-up after the call). The call context's own codec is in routing/call-context.ts.
 */
type Query = Readonly<Record<string, string | undefined>>;

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const CALL_SID = /^CA[0-9a-zA-Z]{1,64}$/;
const id = (value: string | undefined): string | undefined => (value !== undefined && ID.test(value) ? value : undefined);
const ids = (value: string | undefined): string[] => (value ?? '').split(',').filter((item) => ID.test(item));
const defined = (entries: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** A group's `wrapUpSeconds` (1 to 600); anything else is none. */
const wrapUpParameter = (seconds: number | undefined): string | undefined =>
  seconds === undefined || seconds === 0 ? undefined : String(seconds);
const wrapUp = (value: string | undefined): number | undefined => {
  const seconds = value === undefined || !/^[0-9]{1,3}$/.test(value) ? undefined : Number(value);
  return seconds !== undefined && seconds >= 1 && seconds <= 600 ? seconds : undefined;
};

/** A place in a line (line-store's placeOf): when the caller first joined (ms) and their CallSid. */
const PLACE = /^[0-9]{13}#CA[0-9a-zA-Z]{1,64}$/;

/** The routes of a call in distribution (group, extension, dial-result). */
export const callContextQuery = {
  encode: (context: CallContext): Record<string, string> => contextToQuery(context),
  decode: (query: Query): ContextParseResult => contextFromQuery(query),
};

/** A waiting caller's routes (line-wait, line-left, line-offer): the group, and the caller's place. */
export type LineQuery = { readonly group: string; readonly place: string | undefined };
export const lineQuery = {
  encode: (value: LineQuery): Record<string, string> => defined({ g: value.group, p: value.place }),
  decode: (query: Query): LineQuery => ({
    group: id(query.g) ?? '',
    place: query.p !== undefined && PLACE.test(query.p) ? query.p : undefined,
  }),
};

/** The result of a waiting caller's offer (line-offer-result): the line, who rang and since when (ms). */
export type LineOfferQuery = LineQuery & { readonly ringing: readonly string[]; readonly offeredAtMs: number | undefined };
export const lineOfferQuery = {
  encode: (value: LineOfferQuery): Record<string, string> => ({
    ...lineQuery.encode(value),
    r: value.ringing.join(','),
    ...(value.offeredAtMs === undefined ? {} : { t: String(value.offeredAtMs) }),
  }),
  decode: (query: Query): LineOfferQuery => ({
    ...lineQuery.decode(query),
    ringing: ids(query.r),
    offeredAtMs: query.t !== undefined && /^[0-9]{1,16}$/.test(query.t) ? Number(query.t) : undefined,
  }),
};

/** A child leg's status callback: whose device the leg rings. */
export type LegQuery = { readonly member: string; readonly wrapUpSeconds?: number | undefined };
export const legQuery = {
  encode: (value: LegQuery): Record<string, string> => defined({ m: value.member, wu: wrapUpParameter(value.wrapUpSeconds) }),
  decode: (query: Query): { member: string | undefined; wrapUpSeconds: number | undefined } => ({
    member: id(query.m),
    wrapUpSeconds: wrapUp(query.wu),
  }),
};

/**
 * An answered leg's screening (leg-ask, its `url` document; leg-confirm, its <Gather> action). All it
 * says travels here, so the routes read nothing: the group (`g`) and its name (`n`), the caller's
 * number (`from`), the language (`l`), whether a 1 is asked for (`k`), the whisper (`w`), and for a
 * member's device the member (`m`) and the caller's call (`call`), whose offer a 1 answers.
 */
export type ScreeningQuery = {
  readonly group: string | undefined;
  readonly groupName: string;
  readonly caller: string | undefined;
  readonly language: string;
  readonly confirm: boolean;
  readonly whisper: 'off' | 'group' | 'group-and-caller';
  readonly member: string | undefined;
  readonly parent: string | undefined;
  /** The group's `wrapUpSeconds`, for the busy mark a 1 sets. */
  readonly wrapUpSeconds?: number | undefined;
};
const WHISPERS = ['off', 'group', 'group-and-caller'] as const;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const screeningQuery = {
  encode: (value: ScreeningQuery): Record<string, string> =>
    defined({
      g: value.group,
      n: value.groupName,
      from: value.caller,
      l: value.language,
      k: value.confirm ? '1' : undefined,
      w: value.whisper === 'off' ? undefined : value.whisper,
      m: value.member,
      call: value.parent,
      wu: wrapUpParameter(value.wrapUpSeconds),
    }),
  decode: (query: Query): ScreeningQuery => ({
    group: id(query.g),
    groupName: (query.n ?? '').slice(0, 100),
    caller: query.from === '' ? undefined : query.from,
    language: query.l !== undefined && LANGUAGE.test(query.l) ? query.l : 'en-US',
    confirm: query.k === '1',
    whisper: WHISPERS.find((whisper) => whisper === query.w) ?? 'off',
    member: id(query.m),
    parent: query.call !== undefined && CALL_SID.test(query.call) ? query.call : undefined,
    wrapUpSeconds: wrapUp(query.wu),
  }),
};

/** The voicemail routes (voicemail-done, recording): whose message, from whom, since when it was asked for. */
export type VoicemailQuery = {
  readonly group: string | undefined;
  readonly member: string | undefined;
  readonly from: string | undefined;
  readonly at: string | undefined;
};
export const voicemailQuery = {
  encode: (value: VoicemailQuery): Record<string, string> => defined({ at: value.at, g: value.group, m: value.member, from: value.from }),
  decode: (query: Query): VoicemailQuery => ({
    group: id(query.g),
    member: id(query.m),
    from: query.from === '' ? undefined : query.from,
    at: query.at !== undefined && !Number.isNaN(Date.parse(query.at)) ? new Date(query.at).toISOString() : undefined,
  }),
};

/** A forward's result (forward-result): the group whose missed-call action forwarded, and the member. */
export type ForwardQuery = { readonly group: string | undefined; readonly member: string | undefined };
export const forwardQuery = {
  encode: (value: ForwardQuery): Record<string, string> => defined({ g: value.group, m: value.member }),
  decode: (query: Query): ForwardQuery => ({ group: id(query.g), member: id(query.m) }),
};

/** The pickup routes (pickup-bridge, pickup-left, pickup-result): the picked-up call. */
export const pickupQuery = {
  encode: (callSid: string): Record<string, string> => ({ call: callSid }),
  decode: (query: Query): { call: string | undefined } => ({
    call: query.call !== undefined && CALL_SID.test(query.call) ? query.call : undefined,
  }),
};

/** A callback's member call (callback-member, callback-result, callback-status): the line entry and the member rung. */
export type CallbackQuery = LineQuery & { readonly member: string | undefined };
export const callbackQuery = {
  encode: (value: CallbackQuery): Record<string, string> => ({ ...lineQuery.encode(value), ...defined({ m: value.member }) }),
  decode: (query: Query): CallbackQuery => ({ ...lineQuery.decode(query), member: id(query.m) }),
};
