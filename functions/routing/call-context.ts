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
  /** Whom the call is for, which decides who is rung and what happens when nobody answers. */
  readonly target: CallTarget;
  /** The members of the offer now ringing, whose ringing marks its end clears. */
  readonly ringing?: readonly string[] | undefined;
  /**
   * When the ringing offer started (epoch ms). A `canceled` <Dial> whose call the project redirected
   * after this moment was interrupted by the project itself (pickup, a waiting-line offer).
   */
  readonly offeredAtMs?: number | undefined;
};

/**
 * Whom a call is for (SPEC sections 3 and 9):
 * - `group`: an outside caller, for the group's members;
 * - `member-extension`: an outside caller who dialled a member's extension: only that member is rung,
 *   in the group's terms, then the group's missed-call action;
 * - `internal-to-group`: a member's call to a group extension: never offered to the caller;
 * - `internal-to-member`: a member's call to a member: only that member is rung, then their voicemail,
 *   whatever the group does.
 * A member's call carries the caller ID its offers use (Twilio needs one of our numbers to ring phones).
 */
export type CallTarget =
  | { readonly kind: 'group' }
  | { readonly kind: 'member-extension'; readonly member: string }
  | { readonly kind: 'internal-to-group'; readonly caller: string; readonly callerId: string | undefined }
  | { readonly kind: 'internal-to-member'; readonly member: string; readonly callerId: string | undefined };

/** The one member a call rings, when it is for one member. */
export function onlyMember(context: CallContext): string | undefined {
  return context.target.kind === 'member-extension' || context.target.kind === 'internal-to-member' ? context.target.member : undefined;
}

/** The member never offered the call: the member who placed it. */
export function neverOffered(context: CallContext): string | undefined {
  return context.target.kind === 'internal-to-group' ? context.target.caller : undefined;
}

/** The caller ID of a member's own call. */
export function callerIdOf(context: CallContext): string | undefined {
  return context.target.kind === 'internal-to-group' || context.target.kind === 'internal-to-member' ? context.target.callerId : undefined;
}

const LIST_SEPARATOR = ',';

export function startInGroup(group: string, visited: readonly string[] = [], target: CallTarget = { kind: 'group' }): CallContext {
  return { group, offered: [], visited: visited.includes(group) ? visited : [...visited, group], target };
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
  const member = onlyMember(context);
  if (member !== undefined) query.m = member;
  if (context.ringing !== undefined && context.ringing.length > 0) query.r = context.ringing.join(LIST_SEPARATOR);
  const caller = neverOffered(context);
  if (caller !== undefined) query.x = caller;
  if (context.target.kind === 'internal-to-member') query.i = '1';
  const callerId = callerIdOf(context);
  if (callerId !== undefined) query.c = callerId;
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
  const callerId = query.c !== undefined && /^\+[1-9][0-9]{6,14}$/.test(query.c) ? query.c : undefined;
  const target: CallTarget =
    excluded !== undefined
      ? { kind: 'internal-to-group', caller: excluded, callerId }
      : member !== undefined
        ? query.i === '1'
          ? { kind: 'internal-to-member', member, callerId }
          : { kind: 'member-extension', member }
        : { kind: 'group' };
  return {
    ok: true,
    context: {
      group,
      offered,
      visited: visited.length > 0 ? visited : [group],
      target,
      ...(ringing.length > 0 ? { ringing } : {}),
      ...(query.t !== undefined && /^[0-9]{1,16}$/.test(query.t) ? { offeredAtMs: Number(query.t) } : {}),
    },
  };
}
