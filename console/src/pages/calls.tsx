import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Call, type Group } from '../api.js';
import { Field, noErrors, targetValue } from '../forms.js';
import { LoadError, messageOf, useLoad } from '../load.js';
import { duration } from './wallboard.js';

/**
 * The call log (`GET /calls`), newest first, filtered by group, outcome and time, one page at a
 * time: the next page asks for the calls that ended up to the last row's time (`until`).
 */
export const PAGE_SIZE = 25;

const OUTCOMES: Record<Call['outcome'], string> = {
  answered: 'Answered',
  missed: 'Missed',
  voicemail: 'Voicemail',
  'abandoned-ringing': 'Caller hung up while ringing',
  'abandoned-waiting': 'Caller hung up while waiting',
  'callback-requested': 'Asked to be called back',
  'called-back': 'Called back',
  'callback-failed': 'Callback not reached',
};

type Page = { until: string | undefined; exclude: readonly string[] };
const FIRST_PAGE: Page = { until: undefined, exclude: [] };

type Filters = { group: string; outcome: string; since: string; until: string };

/** A `datetime-local` value (the browser's zone) as an ISO time, or undefined when empty or unreadable. */
const isoOf = (local: string): string | undefined => {
  const ms = local === '' ? Number.NaN : new Date(local).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

function queryOf(filters: Filters, until: string | undefined): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.group !== '') query.set('group', filters.group);
  if (filters.outcome !== '') query.set('outcome', filters.outcome);
  const since = isoOf(filters.since);
  if (since !== undefined) query.set('since', since);
  const end = until ?? isoOf(filters.until);
  if (end !== undefined) query.set('until', end);
  return `/calls?${query.toString()}`;
}

export function CallsPage(): JSX.Element {
  const groups = useLoad(() => api().get<{ groups: Group[] }>('/groups'), []);
  const [draft, setDraft] = useState<Filters>({ group: '', outcome: '', since: '', until: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  // Each page shown so far: its `until` (the first page's is the filter's own) and the calls of the
  // page before that ended at that very moment (the boundary is inclusive, so they come again).
  const [pages, setPages] = useState<Page[]>([FIRST_PAGE]);
  const [rows, setRows] = useState<Call[] | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  const page = pages[pages.length - 1] ?? FIRST_PAGE;

  useEffect(() => {
    let current = true;
    api()
      .get<{ calls: Call[] }>(queryOf(filters, page.until))
      .then(
        ({ calls }) => {
          if (!current) return;
          const shown = new Set(page.exclude);
          // An API without the outcome filter still shows only what was asked for.
          setRows(calls.filter((call) => !shown.has(call.callSid) && (filters.outcome === '' || call.outcome === filters.outcome)));
          setMore(calls.length >= PAGE_SIZE);
          setError(undefined);
        },
        (failure: unknown) => current && setError(messageOf(failure)),
      );
    return () => {
      current = false;
    };
  }, [filters, page, round]);

  const setDraftField = (key: keyof Filters, value: string): void => setDraft((current) => ({ ...current, [key]: value }));

  return (
    <>
      <h1>Calls</h1>
      <form
        class="filters"
        aria-label="Filter calls"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
          setPages([FIRST_PAGE]);
          setRound((value) => value + 1);
        }}
      >
        <Field id="calls-group" label="Group" path="group" errors={noErrors}>
          {(control) => (
            <select {...control} value={draft.group} onChange={(event) => setDraftField('group', targetValue(event))}>
              <option value="">All groups</option>
              {groups.data?.groups.map((group) => (
                <option key={group.id} value={group.id}>
                  {group.name} ({group.id})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="calls-outcome" label="Outcome" path="outcome" errors={noErrors}>
          {(control) => (
            <select {...control} value={draft.outcome} onChange={(event) => setDraftField('outcome', targetValue(event))}>
              <option value="">Any outcome</option>
              {Object.entries(OUTCOMES).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="calls-since" label="From" path="since" errors={noErrors}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.since} onInput={(event) => setDraftField('since', targetValue(event))} />
          )}
        </Field>
        <Field id="calls-until" label="Until" path="until" errors={noErrors}>
          {(control) => (
            <input {...control} type="datetime-local" value={draft.until} onInput={(event) => setDraftField('until', targetValue(event))} />
          )}
        </Field>
        <button type="submit">Show calls</button>
      </form>
      <LoadError error={error ?? groups.error} />
      {rows === undefined ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>No calls {pages.length > 1 ? 'on this page' : 'match these filters'}.</p>
      ) : (
        <table>
          <caption>Calls, newest first{pages.length > 1 ? ` (page ${pages.length})` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Ended</th>
              <th scope="col">Caller</th>
              <th scope="col">Number</th>
              <th scope="col">Group</th>
              <th scope="col">Outcome</th>
              <th scope="col">Answered by</th>
              <th scope="col">Waited</th>
              <th scope="col">Length</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((call) => (
              <tr key={call.callSid} data-call={call.callSid}>
                <th scope="row">
                  <time dateTime={call.endedAt}>{new Date(call.endedAt).toLocaleString()}</time>
                </th>
                <td>{call.from ?? '—'}</td>
                <td>{call.to ?? '—'}</td>
                <td>{call.groups.length > 1 ? call.groups.join(' → ') : (call.group ?? '—')}</td>
                <td>{OUTCOMES[call.outcome]}</td>
                <td>{call.answeredBy ?? '—'}</td>
                <td>{call.waitedSeconds === undefined ? '—' : duration(call.waitedSeconds)}</td>
                <td>{duration(call.durationSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" class="secondary" disabled={pages.length <= 1} onClick={() => setPages((list) => list.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!more || rows === undefined || rows.length === 0}
          onClick={() => {
            const last = rows?.[rows.length - 1];
            if (last !== undefined)
              setPages((list) => [
                ...list,
                { until: last.endedAt, exclude: rows?.filter((row) => row.endedAt === last.endedAt).map((row) => row.callSid) ?? [] },
              ]);
          }}
        >
          Next page
        </button>
      </div>
    </>
  );
}
