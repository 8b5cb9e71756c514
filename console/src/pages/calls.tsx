import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, segment, type Call, type Group } from '../api.js';
import { Field, noErrors, targetValue } from '../forms.js';
import { LoadError, messageOf, useLoad } from '../load.js';
import { href } from '../router.js';
import type { StoryStep } from '../../../functions/routing/ledger.js';
import { browserTimeZone } from './reports.js';
import { duration } from './wallboard.js';

/**
 * The call log (`GET /calls`), newest first, filtered by group, outcome and time, one page at a
 * time: the next page asks for the calls that ended up to the last row's time (`until`). Each call
 * links its story (`#/calls/{callSid}`, `GET /calls/{callSid}/explain`), shown above the list so the
 * list keeps its filters and page while stories are opened one after another.
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

/** A call's story as `GET /calls/{callSid}/explain` answers it; `outcome` is null while the call has not ended. */
export type CallStory = { callSid: string; timeZone: string; outcome: Call['outcome'] | null; steps: StoryStep[] };

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

const endedText = (call: Call): string => new Date(call.endedAt).toLocaleString();

/** `id`: the call whose story is open (the route's `#/calls/{callSid}`). */
export function CallsPage(props: { id: string | undefined }): JSX.Element {
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
  const opened = useRef<string | undefined>(props.id);

  // Closing a story gives the focus back to the link that opened it, so the keyboard keeps its place in the list.
  useEffect(() => {
    const closed = opened.current;
    opened.current = props.id;
    if (props.id !== undefined || closed === undefined) return;
    for (const link of document.querySelectorAll<HTMLAnchorElement>('main a[data-story]')) if (link.dataset.story === closed) link.focus();
  }, [props.id]);

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
      {props.id === undefined ? null : <StoryPanel callSid={props.id} call={rows?.find((row) => row.callSid === props.id)} />}
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
              <th scope="col">Story</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((call) => (
              <tr key={call.callSid} data-call={call.callSid} class={call.callSid === props.id ? 'current' : undefined}>
                <th scope="row">
                  <time dateTime={call.endedAt}>{endedText(call)}</time>
                </th>
                <td>{call.from ?? '—'}</td>
                <td>{call.to ?? '—'}</td>
                <td>{call.groups.length > 1 ? call.groups.join(' → ') : (call.group ?? '—')}</td>
                <td>{OUTCOMES[call.outcome]}</td>
                <td>{call.answeredBy ?? '—'}</td>
                <td>{call.waitedSeconds === undefined ? '—' : duration(call.waitedSeconds)}</td>
                <td>{duration(call.durationSeconds)}</td>
                <td>
                  <a
                    href={href('calls', call.callSid)}
                    data-story={call.callSid}
                    aria-current={call.callSid === props.id ? 'true' : undefined}
                  >
                    Story
                    <span class="visually-hidden">
                      {' '}
                      of the call from {call.from ?? 'an unknown number'}, ended {endedText(call)}
                    </span>
                  </a>
                </td>
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

type StoryState =
  | { state: 'loading' }
  | { state: 'shown'; story: CallStory }
  | { state: 'none'; answer: string | undefined }
  | { state: 'failed'; message: string };

/**
 * A call's story: each step at its local time (the browser's zone, as the list's times) with its
 * reason in words. A call without one (404, or no steps) says so; the panel is never blank.
 */
function StoryPanel(props: { callSid: string; call: Call | undefined }): JSX.Element {
  const { callSid, call } = props;
  const [shown, setShown] = useState<StoryState>({ state: 'loading' });
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let current = true;
    setShown({ state: 'loading' });
    // The heading takes the focus, so a screen reader announces the story the link opened.
    heading.current?.focus();
    const query = new URLSearchParams({ timeZone: browserTimeZone() });
    api()
      .get<CallStory>(`/calls/${segment(callSid)}/explain?${query.toString()}`)
      .then(
        (story) => current && setShown(story.steps.length === 0 ? { state: 'none', answer: undefined } : { state: 'shown', story }),
        (failure: unknown) => {
          if (!current) return;
          if (failure instanceof ApiError && failure.status === 404) setShown({ state: 'none', answer: failure.message });
          else setShown({ state: 'failed', message: messageOf(failure) });
        },
      );
    return () => {
      current = false;
    };
  }, [callSid]);

  return (
    <section class="story" aria-labelledby="story-heading" aria-busy={shown.state === 'loading'} data-story-of={callSid}>
      <div class="page-head">
        <h2 id="story-heading" tabIndex={-1} ref={heading}>
          {call === undefined ? (
            <>
              Story of call <span class="muted">{callSid}</span>
            </>
          ) : (
            <>
              Story of the call from {call.from ?? 'an unknown number'}, ended {endedText(call)}
            </>
          )}
        </h2>
        <a class="button secondary" href={href('calls')}>
          Close story
        </a>
      </div>
      {shown.state === 'loading' ? (
        <p>Loading the story…</p>
      ) : shown.state === 'failed' ? (
        <p class="alert" role="alert">
          The story could not be read: {shown.message}
        </p>
      ) : shown.state === 'none' ? (
        <div role="status" class="story-none">
          <p>
            <strong>This call has no story.</strong>
            {shown.answer === undefined ? ' Its story has no steps.' : ` The admin API answered: ${shown.answer}.`}
          </p>
          <p class="hint">
            A story is told from the steps recorded while the call ran: a call that ended before they were recorded has none.
          </p>
        </div>
      ) : (
        <>
          <p class="hint">
            Call {shown.story.callSid}
            {shown.story.outcome === null ? ', not ended yet' : `, ${OUTCOMES[shown.story.outcome].toLowerCase()}`}. Times in{' '}
            {shown.story.timeZone}.
          </p>
          <ol class="story-steps" aria-label="Steps of the call">
            {shown.story.steps.map((step, index) => (
              <li key={`${step.at}-${index}`} data-kind={step.kind}>
                <time dateTime={step.at}>{step.time}</time> <span>{step.text}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
