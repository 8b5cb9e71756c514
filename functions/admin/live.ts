import type { Group, Member } from '../commons/schemas.js';
import { rotationOrder } from '../routing/distribution.js';
import { activity, type Presence } from '../routing/eligibility.js';
import { positionInLine, type WaitingCaller } from '../routing/waiting-line.js';
import type { Rotation } from '../routing/distribution.js';

/** GET /groups/{id}/live: who is available, ringing or busy, the rotation, and who waits (SPEC section 10). */
export type LiveView = {
  group: string;
  distribution: Group['distribution'];
  members: {
    id: string;
    name: string;
    presence: 'available' | 'away' | 'ringing' | 'busy' | 'wrap-up' | 'unknown';
    since: string | null;
    /** While the member wraps up after a call (SPEC 15): when they are offered calls again; else null. */
    wrapUpUntil: string | null;
    call: string | null;
    /** Why the member is away, when the project set them away (SPEC 15: missed offers); else null. */
    statusReason: string | null;
  }[];
  rotation: string[] | null;
  ringingCalls: { callSid: string; members: string[]; since: string | null }[];
  waitingCallers: {
    callSid: string;
    from: string | null;
    position: number | null;
    waitedSeconds: number;
    state: WaitingCaller['state'];
    offeredTo: string[];
    lastHeardAt: string | null;
    /** A callback (SPEC 16): the number to call back and the attempts made; else null and 0. */
    callbackNumber: string | null;
    callbackAttempts: number;
  }[];
};

const iso = (epochSeconds: number | undefined): string | null =>
  epochSeconds === undefined ? null : new Date(epochSeconds * 1000).toISOString();

export function liveView(
  group: Group,
  members: ReadonlyMap<string, Member & { statusSince?: string; statusReason?: string }>,
  presence: ReadonlyMap<string, Presence>,
  rotation: Rotation,
  line: readonly WaitingCaller[],
  now: number,
): LiveView {
  const rows = group.members.map((id) => {
    const member = members.get(id);
    if (member === undefined)
      return { id, name: id, presence: 'unknown' as const, since: null, wrapUpUntil: null, call: null, statusReason: null };
    const statusReason = member.status === 'away' ? (member.statusReason ?? null) : null;
    const now_ = activity(presence.get(id), now);
    if (now_.kind === 'busy' || now_.kind === 'ringing')
      return { id, name: member.name, presence: now_.kind, since: iso(now_.since), wrapUpUntil: null, call: now_.call, statusReason };
    // Wrap-up only matters to a member who is available; away, they are offered nothing anyway.
    const wrapUpUntil = now_.kind === 'wrap-up' && member.status === 'available' ? iso(now_.until) : null;
    return {
      id,
      name: member.name,
      presence: wrapUpUntil === null ? member.status : ('wrap-up' as const),
      since: member.statusSince ?? null,
      wrapUpUntil,
      call: null,
      statusReason,
    };
  });
  const ringing = new Map<string, { members: string[]; since: number | undefined }>();
  for (const row of rows) {
    if (row.presence !== 'ringing' || row.call === null) continue;
    const entry = ringing.get(row.call) ?? { members: [], since: presence.get(row.id)?.ringingSince };
    entry.members.push(row.id);
    ringing.set(row.call, entry);
  }
  return {
    group: group.id,
    distribution: group.distribution,
    members: rows,
    rotation: group.distribution === 'evenly' ? rotationOrder(group, rotation) : null,
    ringingCalls: [...ringing].map(([callSid, entry]) => ({ callSid, members: entry.members, since: iso(entry.since) })),
    waitingCallers: [...line]
      .sort((a, b) => a.place.localeCompare(b.place) || a.callSid.localeCompare(b.callSid))
      .map((caller) => ({
        callSid: caller.callSid,
        from: caller.from ?? null,
        position: positionInLine(line, caller.callSid) ?? null,
        waitedSeconds: Math.max(0, Math.round(now - caller.joinedAt)),
        state: caller.state,
        offeredTo: caller.offeredTo,
        // When the caller was last heard from: an entry silent for long is a caller who is gone.
        lastHeardAt: iso(caller.lastHeardAt),
        callbackNumber: caller.callbackNumber ?? null,
        callbackAttempts: caller.callbackAttempts,
      })),
  };
}
