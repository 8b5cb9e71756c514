import type { JSX } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { api, segment, type Group, type GroupDocument, type Member, type Schedule, type WithWarnings } from '../api.js';
import {
  defined,
  errorsOf,
  Field,
  FormAlert,
  ID_PATH,
  noErrors,
  numeric,
  optional,
  Status,
  targetChecked,
  targetValue,
  Warnings,
  type FormErrors,
} from '../forms.js';
import { flash, LoadError, NEW, takeFlash, useListActions, useLoad } from '../load.js';
import { href, navigate } from '../router.js';
import { ACTIONS, actionDocument, actionPaths, actionState, MissedCallAction, type ActionState } from '../missed-call-action.js';

/** Queue groups (SPEC sections 2, 4 and 6): the list with the API's warnings, and the group form. */

export { ACTIONS };

const CONFIRMS: Record<GroupDocument['confirm'], string> = {
  phones: 'Phones and forwards (a voicemail box may answer them)',
  all: 'Every device',
  off: 'Off',
};

const WHISPERS: Record<GroupDocument['whisper'], string> = {
  off: 'Off',
  group: "The group's name",
  'group-and-caller': "The group's name and the caller's number",
};

const DISTRIBUTIONS: Record<GroupDocument['distribution'], string> = {
  evenly: 'Evenly (whoever was offered a call longest ago)',
  'in-order': 'In order (always from the top of the list)',
  'all-at-once': 'All at once (every member rings together)',
};

export function describeAction(action: GroupDocument['whenNobodyAnswers']): string {
  switch (action.action) {
    case 'forward-to-mobile':
      return `${ACTIONS[action.action]}${action.member === undefined ? ' (the last one offered)' : ` (${action.member})`}`;
    case 'forward-to-number':
      return `${ACTIONS[action.action]} (${action.number})`;
    case 'forward-to-group':
      return `${ACTIONS[action.action]} (${action.group})`;
    case 'wait-for-agent':
    case 'voicemail':
    case 'hangup':
      return ACTIONS[action.action];
    default:
      return action satisfies never;
  }
}

export function GroupsPage(props: { id: string | undefined }): JSX.Element {
  if (props.id === undefined) return <GroupList />;
  return <GroupForm key={props.id} id={props.id === NEW ? undefined : props.id} />;
}

function GroupList(): JSX.Element {
  const groups = useLoad(() => api().get<{ groups: WithWarnings<Group>[] }>('/groups'), []);
  const { status, error, act } = useListActions(groups.reload);

  async function remove(group: Group): Promise<void> {
    if (!confirm(`Delete group ${group.id} (${group.name})?`)) return;
    await act(() => api().delete(`/groups/${segment(group.id)}`), `Deleted group ${group.id}`);
  }

  return (
    <>
      <div class="page-head">
        <h1>Groups</h1>
        <a class="button" href={href('groups', NEW)}>
          New group
        </a>
      </div>
      <Status message={status} />
      <LoadError error={error ?? groups.error} />
      {groups.data === undefined ? (
        <p>Loading…</p>
      ) : groups.data.groups.length === 0 ? (
        <p>No groups yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Extension</th>
              <th scope="col">Members</th>
              <th scope="col">Distribution</th>
              <th scope="col">When nobody answers</th>
              <th scope="col">Warnings</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.groups.map((group) => (
              <tr key={group.id}>
                <th scope="row">{group.id}</th>
                <td>{group.name}</td>
                <td>{group.extension ?? '—'}</td>
                <td>{group.members.join(', ') || 'none'}</td>
                <td>{group.distribution}</td>
                <td>{describeAction(group.whenNobodyAnswers)}</td>
                <td>
                  {(group.warnings ?? []).length === 0 ? (
                    'none'
                  ) : (
                    <ul class="compact">
                      {(group.warnings ?? []).map((warning) => (
                        <li key={warning}>{warning}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td class="actions">
                  <a class="button secondary" href={href('groups', group.id)} aria-label={`Edit group ${group.id}`}>
                    Edit
                  </a>
                  <button type="button" class="danger" aria-label={`Delete group ${group.id}`} onClick={() => void remove(group)}>
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

function GroupForm(props: { id: string | undefined }): JSX.Element {
  const editing = props.id !== undefined;
  const [id, setId] = useState(props.id ?? '');
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [extension, setExtension] = useState('');
  const [distribution, setDistribution] = useState<GroupDocument['distribution']>('in-order');
  const [rings, setRings] = useState('3');
  const [pickup, setPickup] = useState(false);
  const [whenNobody, setWhenNobody] = useState<ActionState>(() => actionState({ action: 'voicemail' }));
  const [schedule, setSchedule] = useState('');
  const [whenClosed, setWhenClosed] = useState<ActionState>(() => actionState(undefined));
  const [confirmAnswers, setConfirmAnswers] = useState<GroupDocument['confirm']>('phones');
  const [whisper, setWhisper] = useState<GroupDocument['whisper']>('off');
  const [awayAfterMisses, setAwayAfterMisses] = useState('');
  const [wrapUpSeconds, setWrapUpSeconds] = useState('0');
  const [warnings, setWarnings] = useState<string[] | undefined>(undefined);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [toAdd, setToAdd] = useState('');
  const [dragged, setDragged] = useState<string | undefined>(undefined);
  const [focusAfterMove, setFocusAfterMove] = useState<string | undefined>(undefined);
  const [saving, setSaving] = useState(false);

  const loaded = useLoad(async () => {
    const [users, groups, schedules, group] = await Promise.all([
      api().get<{ users: Member[] }>('/users'),
      api().get<{ groups: Group[] }>('/groups'),
      api().get<{ schedules: Schedule[] }>('/schedules'),
      props.id === undefined ? Promise.resolve(undefined) : api().get<WithWarnings<Group>>(`/groups/${segment(props.id)}`),
    ]);
    if (group !== undefined) {
      setName(group.name);
      setMembers(group.members);
      setExtension(group.extension ?? '');
      setDistribution(group.distribution);
      setRings(String(group.rings));
      setPickup(group.pickup);
      setWhenNobody(actionState(group.whenNobodyAnswers));
      setSchedule(group.schedule ?? '');
      setWhenClosed(actionState(group.whenClosed));
      setConfirmAnswers(group.confirm);
      setWhisper(group.whisper);
      setAwayAfterMisses(group.awayAfterMisses === undefined ? '' : String(group.awayAfterMisses));
      setWrapUpSeconds(String(group.wrapUpSeconds));
      setWarnings(group.warnings);
    }
    return { users: users.users, groups: groups.groups, schedules: schedules.schedules };
  }, [props.id]);

  // After a move by keyboard the focus stays on the button pressed, or on its twin at either end of the list.
  useLayoutEffect(() => {
    if (focusAfterMove === undefined) return;
    const [memberId, direction] = focusAfterMove.split('\n');
    const wanted = document.getElementById(`move-${memberId}-${direction}`) as HTMLButtonElement | null;
    const other = document.getElementById(`move-${memberId}-${direction === 'up' ? 'down' : 'up'}`) as HTMLButtonElement | null;
    (wanted !== null && !wanted.disabled ? wanted : other)?.focus();
    setFocusAfterMove(undefined);
  }, [focusAfterMove]);

  const nameOf = (memberId: string): string => loaded.data?.users.find((user) => user.id === memberId)?.name ?? memberId;

  function move(memberId: string, to: number, direction?: 'up' | 'down'): void {
    setMembers((list) => {
      const from = list.indexOf(memberId);
      if (from < 0 || to < 0 || to >= list.length || from === to) return list;
      const next = [...list];
      next.splice(from, 1);
      next.splice(to, 0, memberId);
      return next;
    });
    setStatus(`${nameOf(memberId)} moved to position ${to + 1} of ${members.length}`);
    if (direction !== undefined) setFocusAfterMove(`${memberId}\n${direction}`);
  }

  const fieldPaths = [
    '$.name',
    '$.members',
    '$.extension',
    '$.distribution',
    '$.rings',
    '$.pickup',
    '$.confirm',
    '$.whisper',
    '$.awayAfterMisses',
    '$.wrapUpSeconds',
    '$.schedule',
    ...actionPaths('$.whenNobodyAnswers'),
    ...actionPaths('$.whenClosed'),
  ];

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    const groupId = id.trim();
    if (groupId === '') {
      setErrors({ top: ['The group needs an id.'], fields: new Map([[ID_PATH, ['must not be empty']]]) });
      return;
    }
    const document = defined({
      name,
      members,
      extension: optional(extension),
      distribution,
      rings: numeric(rings) as number,
      pickup,
      whenNobodyAnswers: actionDocument(whenNobody),
      schedule: optional(schedule),
      whenClosed: actionDocument(whenClosed),
      confirm: confirmAnswers,
      whisper,
      awayAfterMisses: numeric(awayAfterMisses),
      wrapUpSeconds: numeric(wrapUpSeconds),
    }) as GroupDocument;
    setSaving(true);
    try {
      if (!editing && (await api().find(`/groups/${segment(groupId)}`)) !== undefined) {
        setErrors({ top: [`A group with id ${groupId} already exists.`], fields: new Map([[ID_PATH, ['is already taken']]]) });
        return;
      }
      const saved = await api().put<WithWarnings<Group>>(`/groups/${segment(groupId)}`, document);
      setErrors(noErrors);
      setWarnings(saved.warnings);
      if (!editing) {
        flash(`Saved group ${groupId}`);
        navigate('groups', groupId);
      } else setStatus(`Saved group ${groupId}`);
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    } finally {
      setSaving(false);
    }
  }

  async function remove(): Promise<void> {
    if (props.id === undefined || !confirm(`Delete group ${props.id}?`)) return;
    try {
      await api().delete(`/groups/${segment(props.id)}`);
      flash(`Deleted group ${props.id}`);
      navigate('groups');
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    }
  }

  if (loaded.data === undefined) return loaded.error === undefined ? <p>Loading…</p> : <LoadError error={loaded.error} />;
  const { users, groups, schedules } = loaded.data;
  const addable = users.filter((user) => !members.includes(user.id));
  const membersError = errors.fields.get('$.members');

  return (
    <>
      <h1>{editing ? `Group ${props.id}` : 'New group'}</h1>
      <form onSubmit={(event) => void save(event)} noValidate aria-label={editing ? `Group ${props.id}` : 'New group'}>
        <FormAlert errors={errors} />
        <Status message={status} />
        <Warnings warnings={warnings} label="Warnings about this group" />
        <Field
          id="group-id"
          label="Id"
          path={ID_PATH}
          errors={errors}
          hint="Lowercase letters, digits and -, e.g. support. Cannot change later."
        >
          {(control) => (
            <input {...control} value={id} readOnly={editing} autoComplete="off" onInput={(event) => setId(targetValue(event))} />
          )}
        </Field>
        <Field id="group-name" label="Name" path="$.name" errors={errors}>
          {(control) => <input {...control} value={name} onInput={(event) => setName(targetValue(event))} />}
        </Field>
        <fieldset class={membersError === undefined ? '' : 'invalid'} aria-describedby="group-members-hint">
          <legend>Members</legend>
          <p class="hint" id="group-members-hint">
            The order matters for in-order distribution and breaks ties for evenly. Drag a member, or use its move buttons.
          </p>
          {members.length === 0 ? <p>No members yet.</p> : null}
          <ol class="ordered" aria-label="Members in order">
            {members.map((memberId, index) => (
              <li
                key={memberId}
                draggable
                class={dragged === memberId ? 'dragging' : ''}
                data-member={memberId}
                onDragStart={(event) => {
                  setDragged(memberId);
                  event.dataTransfer?.setData('text/plain', memberId);
                  if (event.dataTransfer !== null) event.dataTransfer.effectAllowed = 'move';
                }}
                onDragOver={(event) => event.preventDefault()}
                onDrop={(event) => {
                  event.preventDefault();
                  const source = event.dataTransfer?.getData('text/plain') || dragged;
                  if (source !== undefined && source !== '') move(source, index);
                  setDragged(undefined);
                }}
                onDragEnd={() => setDragged(undefined)}
              >
                <span class="grip" aria-hidden="true">
                  ⋮⋮
                </span>
                <span class="position">{index + 1}.</span>
                <span class="who">
                  {nameOf(memberId)} <span class="muted">({memberId})</span>
                </span>
                <button
                  type="button"
                  class="secondary small"
                  id={`move-${memberId}-up`}
                  aria-label={`Move ${memberId} up`}
                  disabled={index === 0}
                  onClick={() => move(memberId, index - 1, 'up')}
                >
                  ↑ Up
                </button>
                <button
                  type="button"
                  class="secondary small"
                  id={`move-${memberId}-down`}
                  aria-label={`Move ${memberId} down`}
                  disabled={index === members.length - 1}
                  onClick={() => move(memberId, index + 1, 'down')}
                >
                  ↓ Down
                </button>
                <button
                  type="button"
                  class="secondary small"
                  aria-label={`Remove ${memberId} from the group`}
                  onClick={() => setMembers((list) => list.filter((other) => other !== memberId))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ol>
          {addable.length === 0 ? null : (
            <div class="row">
              <div class="field">
                <label for="group-add-member">Member to add</label>
                <select id="group-add-member" value={toAdd} onChange={(event) => setToAdd(targetValue(event))}>
                  <option value="">Choose a member…</option>
                  {addable.map((user) => (
                    <option key={user.id} value={user.id}>
                      {user.name} ({user.id})
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                class="secondary"
                disabled={toAdd === ''}
                onClick={() => {
                  setMembers((list) => [...list, toAdd]);
                  setToAdd('');
                }}
              >
                Add member
              </button>
            </div>
          )}
          {membersError === undefined ? null : (
            <p class="error" id="group-members-error" role="alert">
              {membersError.join('; ')}
            </p>
          )}
        </fieldset>
        <Field
          id="group-extension"
          label="Extension"
          path="$.extension"
          errors={errors}
          hint="1 to 4 digits, optional; shared with the members' extensions."
        >
          {(control) => <input {...control} value={extension} inputMode="numeric" onInput={(event) => setExtension(targetValue(event))} />}
        </Field>
        <Field id="group-distribution" label="Distribution" path="$.distribution" errors={errors}>
          {(control) => (
            <select
              {...control}
              value={distribution}
              onChange={(event) => setDistribution(targetValue(event) as GroupDocument['distribution'])}
            >
              {Object.entries(DISTRIBUTIONS).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="group-rings" label="Rings" path="$.rings" errors={errors} hint="1 to 20; one ring is 5 seconds.">
          {(control) => <input {...control} value={rings} inputMode="numeric" onInput={(event) => setRings(targetValue(event))} />}
        </Field>
        <div class={`field check${errors.fields.has('$.pickup') ? ' invalid' : ''}`}>
          <input
            id="group-pickup"
            type="checkbox"
            checked={pickup}
            onChange={(event) => setPickup(targetChecked(event))}
            aria-describedby="group-pickup-hint"
          />
          <label for="group-pickup">Pickup</label>
          <p class="hint" id="group-pickup-hint">
            Colleagues may pick up calls ringing in this group with the pickup code.
          </p>
        </div>
        <Field id="group-confirm" label="Confirm answers" path="$.confirm" errors={errors} hint="Who must press 1 before an answer counts.">
          {(control) => (
            <select
              {...control}
              value={confirmAnswers}
              onChange={(event) => setConfirmAnswers(targetValue(event) as GroupDocument['confirm'])}
            >
              {Object.entries(CONFIRMS).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="group-whisper" label="Whisper" path="$.whisper" errors={errors} hint="What the member hears before the caller.">
          {(control) => (
            <select {...control} value={whisper} onChange={(event) => setWhisper(targetValue(event) as GroupDocument['whisper'])}>
              {Object.entries(WHISPERS).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="group-away-after-misses"
          label="Away after misses"
          path="$.awayAfterMisses"
          errors={errors}
          hint="1 to 10: a member who lets that many offers in a row go unanswered is set away. Empty: never."
        >
          {(control) => (
            <input {...control} value={awayAfterMisses} inputMode="numeric" onInput={(event) => setAwayAfterMisses(targetValue(event))} />
          )}
        </Field>
        <Field
          id="group-wrap-up"
          label="Wrap-up seconds"
          path="$.wrapUpSeconds"
          errors={errors}
          hint="0 to 600: after a call of this group the member is offered no call for this long, then the longest-waiting caller at once."
        >
          {(control) => (
            <input {...control} value={wrapUpSeconds} inputMode="numeric" onInput={(event) => setWrapUpSeconds(targetValue(event))} />
          )}
        </Field>
        <MissedCallAction
          id="group-action"
          legend="When nobody answers"
          label="When nobody answers"
          path="$.whenNobodyAnswers"
          state={whenNobody}
          onChange={setWhenNobody}
          users={users}
          groups={groups}
          ownGroup={props.id}
          errors={errors}
        />
        <fieldset>
          <legend>Opening hours</legend>
          <Field id="group-schedule" label="Schedule" path="$.schedule" errors={errors} hint="While it is closed nobody is rung.">
            {(control) => (
              <select {...control} value={schedule} onChange={(event) => setSchedule(targetValue(event))}>
                <option value="">None (always open)</option>
                {schedules.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name} ({candidate.id})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </fieldset>
        <MissedCallAction
          id="group-closed-action"
          legend="When closed"
          label="When closed"
          qualifier="when closed"
          noneOption="As when nobody answers"
          path="$.whenClosed"
          state={whenClosed}
          onChange={setWhenClosed}
          users={users}
          groups={groups}
          ownGroup={props.id}
          errors={errors}
        />
        <div class="row">
          <button type="submit" disabled={saving}>
            Save group
          </button>
          <a class="button secondary" href={href('groups')}>
            Back to groups
          </a>
          {editing ? (
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete group {props.id}
            </button>
          ) : null}
        </div>
      </form>
    </>
  );
}
