import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, segment, type Member, type Schedule, type ScheduleDocument, type ScheduleStatus } from '../api.js';
import {
  defined,
  errorsOf,
  Field,
  FormAlert,
  ID_PATH,
  noErrors,
  optional,
  Status,
  targetChecked,
  targetValue,
  type FormErrors,
} from '../forms.js';
import { flash, LoadError, NEW, takeFlash, useListActions, useLoad } from '../load.js';
import { href, navigate } from '../router.js';

/**
 * Schedules (SPEC section 14): opening hours in a time zone, weekly ranges, dated exceptions and the
 * override members toggle with the toggle code. The list shows each schedule's state now and why.
 */

type Weekday = ScheduleDocument['weekly'][number]['days'][number];
const WEEKDAYS: readonly [Weekday, string][] = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
];

type WithStatus = Schedule & { status: ScheduleStatus };

export function SchedulesPage(props: { id: string | undefined }): JSX.Element {
  if (props.id === undefined) return <ScheduleList />;
  return <ScheduleForm key={props.id} id={props.id === NEW ? undefined : props.id} />;
}

function describeStatus(status: ScheduleStatus): string {
  return `${status.state === 'open' ? 'Open' : 'Closed'}: ${status.reason}${status.nextChange === undefined ? '' : ` (changes at ${status.nextChange})`}`;
}

function ScheduleList(): JSX.Element {
  const schedules = useLoad(() => api().get<{ schedules: WithStatus[] }>('/schedules'), []);
  const { status, error, act } = useListActions(schedules.reload);

  async function remove(id: string): Promise<void> {
    if (!confirm(`Delete schedule ${id}?`)) return;
    await act(() => api().delete(`/schedules/${segment(id)}`), `Deleted schedule ${id}`);
  }

  return (
    <>
      <div class="page-head">
        <h1>Schedules</h1>
        <a class="button" href={href('schedules', NEW)}>
          New schedule
        </a>
      </div>
      <Status message={status} />
      <LoadError error={error ?? schedules.error} />
      {schedules.data === undefined ? (
        <p>Loading…</p>
      ) : schedules.data.schedules.length === 0 ? (
        <p>No schedules yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">Time zone</th>
              <th scope="col">Now</th>
              <th scope="col">Override</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {schedules.data.schedules.map((schedule) => (
              <tr key={schedule.id}>
                <th scope="row">
                  {schedule.name} <span class="muted">({schedule.id})</span>
                </th>
                <td>{schedule.timeZone}</td>
                <td>{describeStatus(schedule.status)}</td>
                <td>
                  {schedule.override === undefined
                    ? 'none'
                    : `${schedule.override.state}${schedule.override.until === undefined ? '' : ` until ${schedule.override.until}`}`}
                </td>
                <td class="actions">
                  <a class="button secondary" href={href('schedules', schedule.id)} aria-label={`Edit schedule ${schedule.id}`}>
                    Edit
                  </a>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete schedule ${schedule.id}`}
                    onClick={() => void remove(schedule.id)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

type RangeRow = { days: Weekday[]; from: string; to: string };
type ExceptionRow = { date: string; name: string; open: string };

/** "08:00-12:00, 14:00-16:00" as ranges; a part that does not read as a range is sent as typed, for the API to name. */
function rangesOf(text: string): { from: string; to: string }[] | undefined {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) return undefined;
  return parts.map((part) => {
    const [from = '', to = ''] = part.split('-').map((time) => time.trim());
    return { from, to };
  });
}

function ScheduleForm(props: { id: string | undefined }): JSX.Element {
  const editing = props.id !== undefined;
  const [id, setId] = useState(props.id ?? '');
  const [name, setName] = useState('');
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [weekly, setWeekly] = useState<RangeRow[]>([]);
  const [exceptions, setExceptions] = useState<ExceptionRow[]>([]);
  const [overrideState, setOverrideState] = useState<'' | 'open' | 'closed'>('');
  const [overrideUntil, setOverrideUntil] = useState('');
  const [toggledBy, setToggledBy] = useState<string[]>([]);
  const [current, setCurrent] = useState<ScheduleStatus | undefined>(undefined);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [saving, setSaving] = useState(false);

  const loaded = useLoad(async () => {
    const [users, found] = await Promise.all([
      api().get<{ users: Member[] }>('/users'),
      props.id === undefined ? Promise.resolve(undefined) : api().get<WithStatus>(`/schedules/${segment(props.id)}`),
    ]);
    if (found !== undefined) {
      setName(found.name);
      setTimeZone(found.timeZone);
      setWeekly(found.weekly.map((range) => ({ days: [...range.days], from: range.from, to: range.to })));
      setExceptions(
        found.exceptions.map((exception) => ({
          date: exception.date,
          name: exception.name ?? '',
          open: (exception.open ?? []).map((range) => `${range.from}-${range.to}`).join(', '),
        })),
      );
      setOverrideState(found.override?.state ?? '');
      setOverrideUntil(found.override?.until ?? '');
      setToggledBy(found.toggledBy ?? []);
      setCurrent(found.status);
    }
    return users.users;
  }, [props.id]);

  const fieldPaths = [
    '$.name',
    '$.timeZone',
    '$.weekly',
    '$.exceptions',
    '$.override',
    '$.override.state',
    '$.override.until',
    '$.toggledBy',
    ...weekly.flatMap((_range, index) => [`$.weekly[${index}].days`, `$.weekly[${index}].from`, `$.weekly[${index}].to`]),
    ...exceptions.flatMap((_exception, index) => [
      `$.exceptions[${index}].date`,
      `$.exceptions[${index}].name`,
      `$.exceptions[${index}].open`,
    ]),
  ];

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    const scheduleId = id.trim();
    if (scheduleId === '') {
      setErrors({ top: ['The schedule needs an id.'], fields: new Map([[ID_PATH, ['must not be empty']]]) });
      return;
    }
    const document = defined({
      name,
      timeZone: timeZone.trim(),
      weekly: weekly.map((range) => ({ days: range.days, from: range.from.trim(), to: range.to.trim() })),
      exceptions: exceptions.map((exception) =>
        defined({ date: exception.date.trim(), name: optional(exception.name), open: rangesOf(exception.open) }),
      ),
      override: overrideState === '' ? undefined : defined({ state: overrideState, until: optional(overrideUntil) }),
      toggledBy: toggledBy.length === 0 ? undefined : toggledBy,
    }) as ScheduleDocument;
    setSaving(true);
    try {
      if (!editing && (await api().find(`/schedules/${segment(scheduleId)}`)) !== undefined) {
        setErrors({ top: [`A schedule with id ${scheduleId} already exists.`], fields: new Map([[ID_PATH, ['is already taken']]]) });
        return;
      }
      const saved = await api().put<WithStatus>(`/schedules/${segment(scheduleId)}`, document);
      setErrors(noErrors);
      setCurrent(saved.status);
      if (!editing) {
        flash(`Saved schedule ${scheduleId}`);
        navigate('schedules', scheduleId);
      } else setStatus(`Saved schedule ${scheduleId}`);
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    } finally {
      setSaving(false);
    }
  }

  async function remove(): Promise<void> {
    if (props.id === undefined || !confirm(`Delete schedule ${props.id}?`)) return;
    try {
      await api().delete(`/schedules/${segment(props.id)}`);
      flash(`Deleted schedule ${props.id}`);
      navigate('schedules');
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    }
  }

  const setRange = (index: number, change: Partial<RangeRow>): void =>
    setWeekly((rows) => rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  const setException = (index: number, change: Partial<ExceptionRow>): void =>
    setExceptions((rows) => rows.map((row, at) => (at === index ? { ...row, ...change } : row)));

  if (loaded.data === undefined) return loaded.error === undefined ? <p>Loading…</p> : <LoadError error={loaded.error} />;
  const users = loaded.data;
  return (
    <>
      <h1>{editing ? `Schedule ${props.id}` : 'New schedule'}</h1>
      {current === undefined ? null : (
        <section aria-label="State now">
          <p class="schedule-status">
            <strong>Now:</strong> {describeStatus(current)} <span class="muted">(local time {current.localTime})</span>
          </p>
        </section>
      )}
      <form onSubmit={(event) => void save(event)} noValidate aria-label={editing ? `Schedule ${props.id}` : 'New schedule'}>
        <FormAlert errors={errors} />
        <Status message={status} />
        <Field
          id="schedule-id"
          label="Id"
          path={ID_PATH}
          errors={errors}
          hint="Lowercase letters, digits and -, e.g. office. Cannot change later."
        >
          {(control) => (
            <input {...control} value={id} readOnly={editing} autoComplete="off" onInput={(event) => setId(targetValue(event))} />
          )}
        </Field>
        <Field id="schedule-name" label="Name" path="$.name" errors={errors}>
          {(control) => <input {...control} value={name} onInput={(event) => setName(targetValue(event))} />}
        </Field>
        <Field id="schedule-time-zone" label="Time zone" path="$.timeZone" errors={errors} hint="An IANA time zone, e.g. Europe/Berlin.">
          {(control) => <input {...control} value={timeZone} onInput={(event) => setTimeZone(targetValue(event))} />}
        </Field>
        <fieldset>
          <legend>Weekly open hours</legend>
          <p class="hint">A range whose end is not after its start runs past midnight (22:00 to 02:00); 24:00 ends at midnight.</p>
          {weekly.length === 0 ? <p>No weekly ranges: closed unless an exception or the override opens it.</p> : null}
          {weekly.map((range, index) => (
            <div class="schedule-range" key={index} role="group" aria-label={`Weekly range ${index + 1}`}>
              {WEEKDAYS.map(([day, text]) => (
                <span class="field check inline" key={day}>
                  <input
                    type="checkbox"
                    id={`schedule-weekly-${index}-${day}`}
                    checked={range.days.includes(day)}
                    onChange={(event) =>
                      setRange(index, {
                        days: targetChecked(event)
                          ? WEEKDAYS.map(([each]) => each).filter((each) => each === day || range.days.includes(each))
                          : range.days.filter((each) => each !== day),
                      })
                    }
                  />
                  <label for={`schedule-weekly-${index}-${day}`}>
                    {text}
                    <span class="visually-hidden"> (range {index + 1})</span>
                  </label>
                </span>
              ))}
              <Field
                id={`schedule-weekly-${index}-from`}
                label={`From (range ${index + 1})`}
                path={`$.weekly[${index}].from`}
                errors={errors}
              >
                {(control) => (
                  <input
                    {...control}
                    value={range.from}
                    placeholder="08:00"
                    onInput={(event) => setRange(index, { from: targetValue(event) })}
                  />
                )}
              </Field>
              <Field id={`schedule-weekly-${index}-to`} label={`To (range ${index + 1})`} path={`$.weekly[${index}].to`} errors={errors}>
                {(control) => (
                  <input
                    {...control}
                    value={range.to}
                    placeholder="17:00"
                    onInput={(event) => setRange(index, { to: targetValue(event) })}
                  />
                )}
              </Field>
              {errors.fields.get(`$.weekly[${index}].days`) === undefined ? null : (
                <p class="error">{errors.fields.get(`$.weekly[${index}].days`)?.join('; ')}</p>
              )}
              <button type="button" class="secondary small" onClick={() => setWeekly((rows) => rows.filter((_row, at) => at !== index))}>
                Remove range {index + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="secondary"
            onClick={() => setWeekly((rows) => [...rows, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }])}
          >
            Add weekly range
          </button>
        </fieldset>
        <fieldset>
          <legend>Exceptions</legend>
          <p class="hint">A date decided by its exception alone: closed all day, or open only in the hours given.</p>
          {exceptions.map((exception, index) => (
            <div class="schedule-range" key={index} role="group" aria-label={`Exception ${index + 1}`}>
              <Field
                id={`schedule-exception-${index}-date`}
                label={`Date (exception ${index + 1})`}
                path={`$.exceptions[${index}].date`}
                errors={errors}
              >
                {(control) => (
                  <input
                    {...control}
                    type="date"
                    value={exception.date}
                    onInput={(event) => setException(index, { date: targetValue(event) })}
                  />
                )}
              </Field>
              <Field
                id={`schedule-exception-${index}-name`}
                label={`Name (exception ${index + 1})`}
                path={`$.exceptions[${index}].name`}
                errors={errors}
              >
                {(control) => (
                  <input {...control} value={exception.name} onInput={(event) => setException(index, { name: targetValue(event) })} />
                )}
              </Field>
              <Field
                id={`schedule-exception-${index}-open`}
                label={`Open hours (exception ${index + 1})`}
                path={`$.exceptions[${index}].open`}
                errors={errors}
                hint="e.g. 08:00-12:00; empty: closed all day."
              >
                {(control) => (
                  <input {...control} value={exception.open} onInput={(event) => setException(index, { open: targetValue(event) })} />
                )}
              </Field>
              <button
                type="button"
                class="secondary small"
                onClick={() => setExceptions((rows) => rows.filter((_row, at) => at !== index))}
              >
                Remove exception {index + 1}
              </button>
            </div>
          ))}
          <button type="button" class="secondary" onClick={() => setExceptions((rows) => [...rows, { date: '', name: '', open: '' }])}>
            Add exception
          </button>
        </fieldset>
        <fieldset>
          <legend>Override</legend>
          <Field
            id="schedule-override"
            label="Override"
            path="$.override.state"
            errors={errors}
            hint="Beats the exceptions and the weekly hours."
          >
            {(control) => (
              <select
                {...control}
                value={overrideState}
                onChange={(event) => setOverrideState(targetValue(event) as '' | 'open' | 'closed')}
              >
                <option value="">None</option>
                <option value="closed">Closed</option>
                <option value="open">Open</option>
              </select>
            )}
          </Field>
          {overrideState === '' ? null : (
            <Field
              id="schedule-override-until"
              label="Override until"
              path="$.override.until"
              errors={errors}
              hint="An ISO time such as 2026-12-24T18:00:00Z; empty: until removed or toggled."
            >
              {(control) => <input {...control} value={overrideUntil} onInput={(event) => setOverrideUntil(targetValue(event))} />}
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>Who may toggle it</legend>
          <p class="hint">Members of the groups using this schedule may always toggle it with the toggle code; these members too.</p>
          {users.map((user) => (
            <div class="field check" key={user.id}>
              <input
                type="checkbox"
                id={`schedule-toggled-by-${user.id}`}
                checked={toggledBy.includes(user.id)}
                onChange={(event) =>
                  setToggledBy((list) => (targetChecked(event) ? [...list, user.id] : list.filter((other) => other !== user.id)))
                }
              />
              <label for={`schedule-toggled-by-${user.id}`}>
                {user.name} ({user.id})
              </label>
            </div>
          ))}
        </fieldset>
        <div class="row">
          <button type="submit" disabled={saving}>
            Save schedule
          </button>
          <a class="button secondary" href={href('schedules')}>
            Back to schedules
          </a>
          {editing ? (
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete schedule {props.id}
            </button>
          ) : null}
        </div>
      </form>
    </>
  );
}
