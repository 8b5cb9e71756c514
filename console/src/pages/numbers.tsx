import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, segment, type Group, type Member, type NumberDocument, type PhoneNumber, type Schedule, type WithWarnings } from '../api.js';
import { actionDocument, actionPaths, actionState, MissedCallAction, type ActionState } from '../missed-call-action.js';
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
  Warnings,
  type FormErrors,
} from '../forms.js';
import { flash, LoadError, NEW, takeFlash, useListActions, useLoad } from '../load.js';
import { href, navigate } from '../router.js';

/** Phone numbers (SPEC sections 2 and 3): their group, greeting, extensions and hold music. */

type GreetingKind = 'none' | 'say' | 'play';

export function NumbersPage(props: { id: string | undefined }): JSX.Element {
  if (props.id === undefined) return <NumberList />;
  return <NumberForm key={props.id} number={props.id === NEW ? undefined : props.id} />;
}

function describeGreeting(greeting: NumberDocument['greeting']): string {
  if (greeting === undefined) return 'none';
  return 'play' in greeting
    ? `plays ${greeting.play}`
    : `says “${greeting.say}”${greeting.language === undefined ? '' : ` (${greeting.language})`}`;
}

function NumberList(): JSX.Element {
  const numbers = useLoad(() => api().get<{ numbers: WithWarnings<PhoneNumber>[] }>('/numbers'), []);
  const { status, error, act } = useListActions(numbers.reload);

  async function remove(number: string): Promise<void> {
    if (!confirm(`Delete number ${number}?`)) return;
    await act(() => api().delete(`/numbers/${segment(number)}`), `Deleted number ${number}`);
  }

  return (
    <>
      <div class="page-head">
        <h1>Numbers</h1>
        <a class="button" href={href('numbers', NEW)}>
          New number
        </a>
      </div>
      <Status message={status} />
      <LoadError error={error ?? numbers.error} />
      {numbers.data === undefined ? (
        <p>Loading…</p>
      ) : numbers.data.numbers.length === 0 ? (
        <p>No numbers yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Phone number</th>
              <th scope="col">Group</th>
              <th scope="col">Greeting</th>
              <th scope="col">Extensions</th>
              <th scope="col">Warnings</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {numbers.data.numbers.map((number) => (
              <tr key={number.number}>
                <th scope="row">{number.number}</th>
                <td>{number.group ?? 'none'}</td>
                <td>{describeGreeting(number.greeting)}</td>
                <td>{number.extensions ? 'yes' : 'no'}</td>
                <td>{(number.warnings ?? []).join('; ') || 'none'}</td>
                <td class="actions">
                  <a class="button secondary" href={href('numbers', number.number)} aria-label={`Edit number ${number.number}`}>
                    Edit
                  </a>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete number ${number.number}`}
                    onClick={() => void remove(number.number)}
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

function NumberForm(props: { number: string | undefined }): JSX.Element {
  const editing = props.number !== undefined;
  const [number, setNumber] = useState(props.number ?? '');
  const [group, setGroup] = useState('');
  const [greetingKind, setGreetingKind] = useState<GreetingKind>('none');
  const [say, setSay] = useState('');
  const [language, setLanguage] = useState('');
  const [play, setPlay] = useState('');
  const [extensions, setExtensions] = useState(false);
  const [holdMusic, setHoldMusic] = useState('');
  const [schedule, setSchedule] = useState('');
  const [whenClosed, setWhenClosed] = useState<ActionState>(() => actionState(undefined));
  const [closedSay, setClosedSay] = useState('');
  const [closedGreeting, setClosedGreeting] = useState<NumberDocument['closedGreeting']>(undefined);
  const [warnings, setWarnings] = useState<string[] | undefined>(undefined);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [saving, setSaving] = useState(false);

  const loaded = useLoad(async () => {
    const [groups, users, schedules, found] = await Promise.all([
      api().get<{ groups: Group[] }>('/groups'),
      api().get<{ users: Member[] }>('/users'),
      api().get<{ schedules: Schedule[] }>('/schedules'),
      props.number === undefined ? Promise.resolve(undefined) : api().get<WithWarnings<PhoneNumber>>(`/numbers/${segment(props.number)}`),
    ]);
    if (found !== undefined) {
      setGroup(found.group ?? '');
      setExtensions(found.extensions);
      setHoldMusic(found.holdMusic ?? '');
      setSchedule(found.schedule ?? '');
      setWhenClosed(actionState(found.whenClosed));
      // A closed greeting the form cannot edit (an audio file, a language) is kept as it is.
      setClosedGreeting(found.closedGreeting);
      setClosedSay(found.closedGreeting !== undefined && 'say' in found.closedGreeting ? found.closedGreeting.say : '');
      const greeting = found.greeting;
      if (greeting !== undefined && 'play' in greeting) {
        setGreetingKind('play');
        setPlay(greeting.play);
      } else if (greeting !== undefined) {
        setGreetingKind('say');
        setSay(greeting.say);
        setLanguage(greeting.language ?? '');
      }
      setWarnings(found.warnings);
    }
    return { groups: groups.groups, users: users.users, schedules: schedules.schedules };
  }, [props.number]);

  const fieldPaths = [
    '$.group',
    '$.extensions',
    '$.greeting',
    '$.greeting.say',
    '$.greeting.language',
    '$.greeting.play',
    '$.holdMusic',
    '$.schedule',
    '$.closedGreeting',
    '$.closedGreeting.say',
    ...actionPaths('$.whenClosed'),
  ];

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    const e164 = number.trim();
    if (e164 === '') {
      setErrors({ top: ['The number is missing.'], fields: new Map([[ID_PATH, ['must not be empty']]]) });
      return;
    }
    const greeting =
      greetingKind === 'say' ? defined({ say, language: optional(language) }) : greetingKind === 'play' ? { play: play.trim() } : undefined;
    const closedText = closedSay.trim();
    const closed =
      closedGreeting !== undefined && 'say' in closedGreeting && closedGreeting.say === closedText
        ? closedGreeting
        : closedText === ''
          ? closedGreeting !== undefined && 'play' in closedGreeting
            ? closedGreeting
            : undefined
          : { say: closedText };
    const document = defined({
      group: optional(group),
      extensions,
      greeting,
      holdMusic: optional(holdMusic),
      schedule: optional(schedule),
      closedGreeting: closed,
      whenClosed: actionDocument(whenClosed),
    }) as NumberDocument;
    setSaving(true);
    try {
      if (!editing && (await api().find(`/numbers/${segment(e164)}`)) !== undefined) {
        setErrors({ top: [`The number ${e164} is already configured.`], fields: new Map([[ID_PATH, ['is already configured']]]) });
        return;
      }
      const saved = await api().put<WithWarnings<PhoneNumber>>(`/numbers/${segment(e164)}`, document);
      setErrors(noErrors);
      setWarnings(saved.warnings);
      if (!editing) {
        flash(`Saved number ${e164}`);
        navigate('numbers', e164);
      } else setStatus(`Saved number ${e164}`);
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    } finally {
      setSaving(false);
    }
  }

  async function remove(): Promise<void> {
    if (props.number === undefined || !confirm(`Delete number ${props.number}?`)) return;
    try {
      await api().delete(`/numbers/${segment(props.number)}`);
      flash(`Deleted number ${props.number}`);
      navigate('numbers');
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    }
  }

  if (loaded.data === undefined) return loaded.error === undefined ? <p>Loading…</p> : <LoadError error={loaded.error} />;
  const greetingError = errors.fields.get('$.greeting');
  return (
    <>
      <h1>{editing ? `Number ${props.number}` : 'New number'}</h1>
      <form onSubmit={(event) => void save(event)} noValidate aria-label={editing ? `Number ${props.number}` : 'New number'}>
        <FormAlert errors={errors} />
        <Status message={status} />
        <Warnings warnings={warnings} label="Warnings about this number" />
        <Field
          id="number-number"
          label="Phone number"
          path={ID_PATH}
          errors={errors}
          hint="Your Twilio number in E.164, e.g. +493012345678."
        >
          {(control) => (
            <input {...control} type="tel" value={number} readOnly={editing} onInput={(event) => setNumber(targetValue(event))} />
          )}
        </Field>
        <Field id="number-group" label="Group" path="$.group" errors={errors}>
          {(control) => (
            <select {...control} value={group} onChange={(event) => setGroup(targetValue(event))}>
              <option value="">None (callers hear a short message)</option>
              {loaded.data?.groups.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.name} ({candidate.id})
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset aria-describedby={greetingError === undefined ? undefined : 'number-greeting-error'}>
          <legend>Greeting</legend>
          {(
            [
              ['none', 'No greeting'],
              ['say', 'Say a text'],
              ['play', 'Play an audio file'],
            ] as const
          ).map(([kind, text]) => (
            <div class="field check" key={kind}>
              <input
                type="radio"
                name="greeting-kind"
                id={`number-greeting-kind-${kind}`}
                checked={greetingKind === kind}
                onChange={() => setGreetingKind(kind)}
              />
              <label for={`number-greeting-kind-${kind}`}>{text}</label>
            </div>
          ))}
          {greetingKind === 'say' ? (
            <>
              <Field id="number-greeting-say" label="Greeting text" path="$.greeting.say" errors={errors}>
                {(control) => <textarea {...control} rows={2} value={say} onInput={(event) => setSay(targetValue(event))} />}
              </Field>
              <Field
                id="number-greeting-language"
                label="Language"
                path="$.greeting.language"
                errors={errors}
                hint="e.g. de-DE; empty for the settings' language."
              >
                {(control) => <input {...control} value={language} onInput={(event) => setLanguage(targetValue(event))} />}
              </Field>
            </>
          ) : null}
          {greetingKind === 'play' ? (
            <Field id="number-greeting-play" label="Greeting audio URL" path="$.greeting.play" errors={errors}>
              {(control) => <input {...control} type="url" value={play} onInput={(event) => setPlay(targetValue(event))} />}
            </Field>
          ) : null}
          {greetingError === undefined ? null : (
            <p class="error" id="number-greeting-error">
              {greetingError.join('; ')}
            </p>
          )}
        </fieldset>
        <div class={`field check${errors.fields.has('$.extensions') ? ' invalid' : ''}`}>
          <input
            id="number-extensions"
            type="checkbox"
            checked={extensions}
            onChange={(event) => setExtensions(targetChecked(event))}
            aria-describedby="number-extensions-hint"
          />
          <label for="number-extensions">Extensions</label>
          <p class="hint" id="number-extensions-hint">
            Callers may dial a member's or group's extension during the greeting.
          </p>
        </div>
        <Field
          id="number-hold-music"
          label="Hold music"
          path="$.holdMusic"
          errors={errors}
          hint="An audio URL for callers waiting in line; optional."
        >
          {(control) => <input {...control} type="url" value={holdMusic} onInput={(event) => setHoldMusic(targetValue(event))} />}
        </Field>
        <fieldset>
          <legend>Opening hours</legend>
          <Field id="number-schedule" label="Schedule" path="$.schedule" errors={errors} hint="While it is closed nobody is rung.">
            {(control) => (
              <select {...control} value={schedule} onChange={(event) => setSchedule(targetValue(event))}>
                <option value="">None (always open)</option>
                {loaded.data?.schedules.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name} ({candidate.id})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            id="number-closed-greeting"
            label="Closed greeting"
            path="$.closedGreeting.say"
            errors={errors}
            hint="Said first while the number is closed; optional."
          >
            {(control) => <textarea {...control} rows={2} value={closedSay} onInput={(event) => setClosedSay(targetValue(event))} />}
          </Field>
        </fieldset>
        <MissedCallAction
          id="number-closed-action"
          legend="When closed"
          label="When closed"
          qualifier="when closed"
          noneOption="Voicemail for the number's group"
          path="$.whenClosed"
          state={whenClosed}
          onChange={setWhenClosed}
          users={loaded.data.users}
          groups={loaded.data.groups}
          errors={errors}
        />
        <div class="row">
          <button type="submit" disabled={saving}>
            Save number
          </button>
          <a class="button secondary" href={href('numbers')}>
            Back to numbers
          </a>
          {editing ? (
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete number {props.number}
            </button>
          ) : null}
        </div>
      </form>
    </>
  );
}
