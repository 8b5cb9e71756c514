import type { JSX } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { api, segment, type Group, type GroupDocument, type Member, type WithWarnings } from '../api.js';
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
import { flash, LoadError, NEW, takeFlash, useLoad } from '../load.js';
import { href, navigate } from '../router.js';

/** Queue groups (SPEC sections 2, 4 and 6): the list with the API's warnings, and the group form. */

type Action = GroupDocument['whenNobodyAnswers']['action'];

export const ACTIONS: Record<Action, string> = {
  voicemail: 'Voicemail',
  'forward-to-mobile': "Forward to a member's mobile",
  'forward-to-number': 'Forward to a number',
  'wait-for-agent': 'Wait in line for a free member',
  'forward-to-group': 'Go to another group',
  hangup: 'Hang up',
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
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [error, setError] = useState<string | undefined>(undefined);

  async function remove(group: Group): Promise<void> {
    if (!confirm(`Delete group ${group.id} (${group.name})?`)) return;
    try {
      await api().delete(`/groups/${segment(group.id)}`);
      setError(undefined);
      setStatus(`Deleted group ${group.id}`);
      groups.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
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

type ActionFields = { member: string; number: string; group: string; maxWaitSeconds: string; announcePosition: boolean };

function actionDocument(action: Action, fields: ActionFields): GroupDocument['whenNobodyAnswers'] {
  switch (action) {
    case 'forward-to-mobile':
      return defined({ action, member: optional(fields.member) });
    case 'forward-to-number':
      return { action, number: fields.number.trim() };
    case 'forward-to-group':
      return { action, group: fields.group };
    case 'wait-for-agent':
      // A number the API cannot read is sent as the text typed, so its problem is shown at the field.
      return defined({
        action,
        maxWaitSeconds: numeric(fields.maxWaitSeconds) as number | undefined,
        announcePosition: fields.announcePosition,
      });
    case 'voicemail':
    case 'hangup':
      return { action };
    default:
      return action satisfies never;
  }
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
  const [action, setAction] = useState<Action>('voicemail');
  const [fields, setFields] = useState<ActionFields>({ member: '', number: '', group: '', maxWaitSeconds: '', announcePosition: false });
  const [warnings, setWarnings] = useState<string[] | undefined>(undefined);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [toAdd, setToAdd] = useState('');
  const [dragged, setDragged] = useState<string | undefined>(undefined);
  const [focusAfterMove, setFocusAfterMove] = useState<string | undefined>(undefined);
  const [saving, setSaving] = useState(false);

  const loaded = useLoad(async () => {
    const [users, groups, group] = await Promise.all([
      api().get<{ users: Member[] }>('/users'),
      api().get<{ groups: Group[] }>('/groups'),
      props.id === undefined ? Promise.resolve(undefined) : api().get<WithWarnings<Group>>(`/groups/${segment(props.id)}`),
    ]);
    if (group !== undefined) {
      setName(group.name);
      setMembers(group.members);
      setExtension(group.extension ?? '');
      setDistribution(group.distribution);
      setRings(String(group.rings));
      setPickup(group.pickup);
      const when = group.whenNobodyAnswers;
      setAction(when.action);
      setFields((current) => ({
        ...current,
        ...(when.action === 'forward-to-mobile' ? { member: when.member ?? '' } : {}),
        ...(when.action === 'forward-to-number' ? { number: when.number } : {}),
        ...(when.action === 'forward-to-group' ? { group: when.group } : {}),
        ...(when.action === 'wait-for-agent'
          ? {
              maxWaitSeconds: when.maxWaitSeconds === undefined ? '' : String(when.maxWaitSeconds),
              announcePosition: when.announcePosition ?? false,
            }
          : {}),
      }));
      setWarnings(group.warnings);
    }
    return { users: users.users, groups: groups.groups };
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
    '$.whenNobodyAnswers',
    '$.whenNobodyAnswers.member',
    '$.whenNobodyAnswers.number',
    '$.whenNobodyAnswers.group',
    '$.whenNobodyAnswers.maxWaitSeconds',
    '$.whenNobodyAnswers.announcePosition',
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
      whenNobodyAnswers: actionDocument(action, fields),
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
  const { users, groups } = loaded.data;
  const addable = users.filter((user) => !members.includes(user.id));
  const membersError = errors.fields.get('$.members');
  const setField = <K extends keyof ActionFields>(key: K, value: ActionFields[K]): void =>
    setFields((current) => ({ ...current, [key]: value }));

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
        <fieldset>
          <legend>When nobody answers</legend>
          <Field id="group-action" label="When nobody answers" path="$.whenNobodyAnswers" errors={errors}>
            {(control) => (
              <select {...control} value={action} onChange={(event) => setAction(targetValue(event) as Action)}>
                {Object.entries(ACTIONS).map(([value, text]) => (
                  <option key={value} value={value}>
                    {text}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {action === 'forward-to-mobile' ? (
            <Field id="group-action-member" label="Member" path="$.whenNobodyAnswers.member" errors={errors}>
              {(control) => (
                <select {...control} value={fields.member} onChange={(event) => setField('member', targetValue(event))}>
                  <option value="">The last member offered the call</option>
                  {users.map((user) => (
                    <option key={user.id} value={user.id}>
                      {user.name} ({user.id})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          {action === 'forward-to-number' ? (
            <Field
              id="group-action-number"
              label="Number"
              path="$.whenNobodyAnswers.number"
              errors={errors}
              hint="E.164, e.g. +4940123456."
            >
              {(control) => (
                <input {...control} type="tel" value={fields.number} onInput={(event) => setField('number', targetValue(event))} />
              )}
            </Field>
          ) : null}
          {action === 'forward-to-group' ? (
            <Field id="group-action-group" label="Group" path="$.whenNobodyAnswers.group" errors={errors}>
              {(control) => (
                <select {...control} value={fields.group} onChange={(event) => setField('group', targetValue(event))}>
                  <option value="">Choose a group…</option>
                  {groups
                    .filter((group) => group.id !== props.id)
                    .map((group) => (
                      <option key={group.id} value={group.id}>
                        {group.name} ({group.id})
                      </option>
                    ))}
                </select>
              )}
            </Field>
          ) : null}
          {action === 'wait-for-agent' ? (
            <>
              <Field
                id="group-action-max-wait"
                label="Max wait (seconds)"
                path="$.whenNobodyAnswers.maxWaitSeconds"
                errors={errors}
                hint="10 to 86400; empty for the default of 1800. Then: voicemail."
              >
                {(control) => (
                  <input
                    {...control}
                    inputMode="numeric"
                    value={fields.maxWaitSeconds}
                    onInput={(event) => setField('maxWaitSeconds', targetValue(event))}
                  />
                )}
              </Field>
              <div class="field check">
                <input
                  id="group-action-announce"
                  type="checkbox"
                  checked={fields.announcePosition}
                  onChange={(event) => setField('announcePosition', targetChecked(event))}
                />
                <label for="group-action-announce">Announce position</label>
              </div>
            </>
          ) : null}
        </fieldset>
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
