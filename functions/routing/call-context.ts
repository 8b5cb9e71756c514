/**
 * What a call carries from one webhook to the next. It travels in the query string of the action
 * URLs we hand to Twilio, so every webhook is answered from the request alone (no per-call item to
 * read), and Twilio's signature over the URL means nobody can alter it on the way.
 */
export type CallContext = {
  /** The group distributing the call now. */
  readonly group: string;
  /** Members of this group already offered this call, in the order offered. */
  readonly offered: readonly string[];
  /** Groups this call has been distributed in, for the forward-to-group loop guard. */
  readonly visited: readonly string[];
  /** Set when the caller dialled a member extension: ring only this member, in `group`'s terms. */
  readonly member?: string | undefined;
  /** The members of the offer now ringing, whose ringing marks its end clears. */
  readonly ringing?: readonly string[] | undefined;
  /** A member never offered this call: the member who placed it (an internal call to a group). */
  readonly excluded?: string | undefined;
  /** An internal call to a member: when they do not answer, voicemail for them, whatever the group does. */
  readonly internal?: boolean | undefined;
  /** The caller ID for offers of a call placed by a member (Twilio needs one of our numbers to ring phones). */
  readonly callerId?: string | undefined;
  /**
   * When the ringing offer started (epoch ms). A `canceled` <Dial> whose call the project redirected
   * after this moment was interrupted by the project itself (pickup, a waiting-line offer).
   */
  readonly offeredAtMs?: number | undefined;
};

const LIST_SEPARATOR = ',';

export function startInGroup(group: string, visited: readonly string[] = []): CallContext {
  return { group, offered: [], visited: visited.includes(group) ? visited : [...visited, group] };
}

export function withOffered(context: CallContext, members: readonly string[]): CallContext {
  const { ringing: _ringing, offeredAtMs: _offeredAtMs, ...rest } = context;
  return { ...rest, offered: [...context.offered, ...members] };
}

/** The context an offer's <Dial> action carries: who was offered, who rings now, since when. */
export function ringingOffer(context: CallContext, members: readonly string[], offeredAtMs: number): CallContext {
  return { ...withOffered(context, members), ringing: members, offeredAtMs };
}

export function lastOffered(context: CallContext): string | undefined {
  return context.offered.at(-1);
}

/** The context as query parameters (short names keep the URLs well inside Twilio's limits). */
export function contextToQuery(context: CallContext): Record<string, string> {
  const query: Record<string, string> = { g: context.group };
  if (context.offered.length > 0) query.o = context.offered.join(LIST_SEPARATOR);
  if (context.visited.length > 0) query.v = context.visited.join(LIST_SEPARATOR);
  if (context.member !== undefined) query.m = context.member;
  if (context.ringing !== undefined && context.ringing.length > 0) query.r = context.ringing.join(LIST_SEPARATOR);
  if (context.excluded !== undefined) query.x = context.excluded;
  if (context.internal === true) query.i = '1';
  if (context.callerId !== undefined) query.c = context.callerId;
  if (context.offeredAtMs !== undefined) query.t = String(context.offeredAtMs);
  return query;
}

export type ContextParseResult = { ok: true; context: CallContext } | { ok: false; problem: string };

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

function parseList(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(LIST_SEPARATOR);
}

export function contextFromQuery(query: Readonly<Record<string, string | undefined>>): ContextParseResult {
  const group = query.g;
  if (group === undefined || !SLUG.test(group)) return { ok: false, problem: 'query parameter g (group) is missing or not an id' };
  const offered = parseList(query.o);
  const visited = parseList(query.v);
  const member = query.m;
  const excluded = query.x;
  const ringing = parseList(query.r);
  const bad = [
    ...offered,
    ...visited,
    ...ringing,
    ...(member === undefined ? [] : [member]),
    ...(excluded === undefined ? [] : [excluded]),
  ].find((id) => !SLUG.test(id));
  if (bad !== undefined) return { ok: false, problem: `query parameter holds an invalid id: ${bad}` };
  return {
    ok: true,
    context: {
      group,
      offered,
      visited: visited.length > 0 ? visited : [group],
      member,
      ...(ringing.length > 0 ? { ringing } : {}),
      excluded,
      ...(query.i === '1' ? { internal: true } : {}),
      ...(query.c !== undefined && /^\+[1-9][0-9]{6,14}$/.test(query.c) ? { callerId: query.c } : {}),
      ...(query.t !== undefined && /^[0-9]{1,16}$/.test(query.t) ? { offeredAtMs: Number(query.t) } : {}),
    },
  };
}
