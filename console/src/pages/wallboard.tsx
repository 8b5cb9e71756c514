import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, segment, type Group, type LiveView } from '../api.js';
import { href } from '../router.js';
import { messageOf } from '../load.js';

/**
 * The wallboard (SPEC section 18): per group, each member's presence since when and for how long,
 * the calls ringing and the callers waiting. It reads `GET /groups/{id}/live` every POLL_MS and
 * counts the durations up every second in between, so it stays current without reloading.
 */
export const POLL_MS = 1500;

type Board = { groups: Group[]; live: Map<string, LiveView>; readAt: number };

const PRESENCE: Record<LiveView['members'][number]['presence'], string> = {
  available: 'Available',
  away: 'Away',
  ringing: 'Ringing',
  busy: 'Talking',
  'wrap-up': 'Wrap-up',
  unknown: 'Unknown',
};

export function duration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

const clock = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const since = (iso: string | null, now: number): string => (iso === null ? '—' : duration((now - Date.parse(iso)) / 1000));

export function WallboardPage(): JSX.Element {
  const [board, setBoard] = useState<Board | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const { groups } = await api().get<{ groups: Group[] }>('/groups');
        const views = await Promise.all(groups.map((group) => api().find<LiveView>(`/groups/${segment(group.id)}/live`)));
        const live = new Map<string, LiveView>();
        views.forEach((view) => view !== undefined && live.set(view.group, view));
        if (!stopped) {
          setBoard({ groups, live, readAt: Date.now() });
          setError(undefined);
        }
      } catch (failure) {
        if (!stopped) setError(messageOf(failure));
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    const ticker = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(ticker);
    };
  }, []);

  return (
    <>
      <div class="page-head">
        <h1>Wallboard</h1>
        <p class="updated">
          {board === undefined ? 'Reading…' : `Updated ${clock(new Date(board.readAt).toISOString())}`}
          {error === undefined ? null : <span class="stale"> · not current: {error}</span>}
        </p>
      </div>
      {board !== undefined && board.groups.length === 0 ? (
        <p>
          No groups yet: <a href={href('groups')}>create one</a>.
        </p>
      ) : null}
      <div class="boards">
        {board?.groups.map((group) => {
          const view = board.live.get(group.id);
          return view === undefined ? null : <GroupBoard key={group.id} group={group} view={view} now={now} readAt={board.readAt} />;
        })}
      </div>
    </>
  );
}

function waitingState(caller: LiveView['waitingCallers'][number], nameOf: (id: string) => string): string {
  switch (caller.state) {
    case 'joining':
      return 'joining';
    case 'waiting':
      return 'waiting';
    case 'offered':
      return `offered to ${caller.offeredTo.map(nameOf).join(', ') || 'a member'}`;
    case 'timed-out':
      return 'waited too long: leaving';
    case 'nobody-available':
      return 'nobody available: leaving';
    case 'to-voicemail':
      return 'leaving a message';
    case 'callback':
      return `callback to ${caller.callbackNumber ?? 'the caller'}${caller.callbackAttempts > 0 ? `, ${caller.callbackAttempts} ${caller.callbackAttempts === 1 ? 'attempt' : 'attempts'} so far` : ''}`;
    case 'calling-back':
      return `calling back: ${caller.offeredTo.map(nameOf).join(', ') || 'a member'} (attempt ${caller.callbackAttempts + 1})`;
    default:
      return caller.state satisfies never;
  }
}

function GroupBoard(props: { group: Group; view: LiveView; now: number; readAt: number }): JSX.Element {
  const { group, view, now } = props;
  const headingId = `wall-${group.id}`;
  const nameOf = (id: string): string => view.members.find((member) => member.id === id)?.name ?? id;
  const waitedExtra = (now - props.readAt) / 1000;
  return (
    <section class="board" aria-labelledby={headingId} data-group={group.id}>
      <h2 id={headingId}>
        {group.name} <span class="muted">({group.id})</span>
      </h2>
      <p class="summary">
        {view.members.filter((member) => member.presence === 'available').length} available · {view.ringingCalls.length} ringing ·{' '}
        {view.waitingCallers.length} waiting
      </p>
      <table class="wall-table">
        <caption>Members of {group.name}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Presence</th>
            <th scope="col">Since</th>
            <th scope="col">For</th>
          </tr>
        </thead>
        <tbody>
          {view.members.map((member) => (
            <tr key={member.id} data-member={member.id}>
              <th scope="row">{member.name}</th>
              <td>
                <span class={`badge ${member.presence}`}>{PRESENCE[member.presence]}</span>
                {member.statusReason === null ? null : <span class="reason"> ({member.statusReason})</span>}
                {member.wrapUpUntil === null ? null : <span class="reason"> until {clock(member.wrapUpUntil)}</span>}
              </td>
              <td>{member.since === null ? '—' : clock(member.since)}</td>
              <td>{since(member.since, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Ringing calls</h3>
      {view.ringingCalls.length === 0 ? (
        <p class="none">No call is ringing.</p>
      ) : (
        <table class="wall-table ringing">
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Ringing at</th>
              <th scope="col">For</th>
            </tr>
          </thead>
          <tbody>
            {view.ringingCalls.map((call) => (
              <tr key={call.callSid} data-call={call.callSid}>
                <th scope="row" title={call.callSid}>
                  …{call.callSid.slice(-6)}
                </th>
                <td>{call.members.map(nameOf).join(', ')}</td>
                <td>{since(call.since, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Waiting callers</h3>
      {view.waitingCallers.length === 0 ? (
        <p class="none">Nobody is waiting.</p>
      ) : (
        <table class="wall-table waiting">
          <thead>
            <tr>
              <th scope="col">Position</th>
              <th scope="col">Caller</th>
              <th scope="col">Waiting</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {view.waitingCallers.map((caller) => (
              <tr key={caller.callSid} data-call={caller.callSid}>
                <th scope="row">{caller.position ?? '—'}</th>
                <td>{caller.from ?? 'unknown'}</td>
                <td>{duration(caller.waitedSeconds + waitedExtra)}</td>
                <td>{waitingState(caller, nameOf)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
