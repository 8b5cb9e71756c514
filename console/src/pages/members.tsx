import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, segment, type Member, type UserDocument } from '../api.js';
import { defined, errorsOf, Field, FormAlert, ID_PATH, noErrors, optional, Status, targetValue, type FormErrors } from '../forms.js';
import { flash, LoadError, NEW, useListActions, useLoad } from '../load.js';
import { href, navigate } from '../router.js';

/** Members (SPEC section 2): the list with each member's status and its switch, and the member form. */

type DeviceType = UserDocument['devices'][number]['type'];
type DeviceRow = { key: number; type: DeviceType; value: string };

export const DEVICE_LABELS: Record<DeviceType, string> = { client: 'Softphone identity', sip: 'SIP URI', phone: 'Phone number' };
const DEVICE_FIELDS = { client: 'identity', sip: 'uri', phone: 'number' } as const;

const deviceValue = (device: UserDocument['devices'][number]): string =>
  device.type === 'client' ? device.identity : device.type === 'sip' ? device.uri : device.number;

export function MembersPage(props: { id: string | undefined }): JSX.Element {
  if (props.id === undefined) return <MemberList />;
  return <MemberForm key={props.id} id={props.id === NEW ? undefined : props.id} />;
}

function MemberList(): JSX.Element {
  const members = useLoad(() => api().get<{ users: Member[] }>('/users'), []);
  const { status, error, act } = useListActions(members.reload);

  async function setAway(member: Member, away: boolean): Promise<void> {
    const next = away ? 'away' : 'available';
    await act(() => api().put(`/users/${segment(member.id)}/status`, { status: next }), `${member.name} is ${next}`);
  }

  async function remove(member: Member): Promise<void> {
    if (!confirm(`Delete member ${member.id} (${member.name})?`)) return;
    await act(() => api().delete(`/users/${segment(member.id)}`), `Deleted member ${member.id}`);
  }

  return (
    <>
      <div class="page-head">
        <h1>Members</h1>
        <a class="button" href={href('members', NEW)}>
          New member
        </a>
      </div>
      <Status message={status} />
      <LoadError error={error ?? members.error} />
      {members.data === undefined ? (
        <p>Loading…</p>
      ) : members.data.users.length === 0 ? (
        <p>No members yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">Extension</th>
              <th scope="col">Devices</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.data.users.map((member) => (
              <tr key={member.id}>
                <th scope="row">{member.id}</th>
                <td>{member.name}</td>
                <td>{member.extension ?? '—'}</td>
                <td>{member.devices.length === 0 ? 'none' : member.devices.map(deviceValue).join(', ')}</td>
                <td>
                  <span class={`badge ${member.status}`}>{member.status === 'away' ? 'Away' : 'Available'}</span>
                </td>
                <td class="actions">
                  <button
                    type="button"
                    role="switch"
                    aria-checked={member.status === 'available'}
                    aria-label={member.status === 'available' ? `Set ${member.id} away` : `Set ${member.id} available`}
                    onClick={() => void setAway(member, member.status === 'available')}
                  >
                    {member.status === 'available' ? 'Set away' : 'Set available'}
                  </button>
                  <a class="button secondary" href={href('members', member.id)} aria-label={`Edit member ${member.id}`}>
                    Edit
                  </a>
                  <button type="button" class="danger" aria-label={`Delete member ${member.id}`} onClick={() => void remove(member)}>
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

let deviceKeys = 0;

function MemberForm(props: { id: string | undefined }): JSX.Element {
  const editing = props.id !== undefined;
  const [id, setId] = useState(props.id ?? '');
  const [name, setName] = useState('');
  const [extension, setExtension] = useState('');
  const [mobile, setMobile] = useState('');
  const [devices, setDevices] = useState<DeviceRow[]>([]);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [saving, setSaving] = useState(false);
  const loaded = useLoad(async () => {
    if (props.id === undefined) return null;
    const member = await api().get<Member>(`/users/${segment(props.id)}`);
    setName(member.name);
    setExtension(member.extension ?? '');
    setMobile(member.mobile ?? '');
    setDevices(member.devices.map((device) => ({ key: (deviceKeys += 1), type: device.type, value: deviceValue(device) })));
    return member;
  }, [props.id]);

  const fieldPaths = ['$.name', '$.extension', '$.mobile', '$.devices', ...devices.map((_row, index) => `$.devices[${index}]`)];

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    if (id.trim() === '') {
      setErrors({ top: ['The member needs an id.'], fields: new Map([[ID_PATH, ['must not be empty']]]) });
      return;
    }
    const document: UserDocument = defined({
      name,
      extension: optional(extension),
      mobile: optional(mobile),
      devices: devices.map((row) => ({ type: row.type, [DEVICE_FIELDS[row.type]]: row.value.trim() }) as UserDocument['devices'][number]),
    });
    setSaving(true);
    try {
      const memberId = id.trim();
      if (!editing && (await api().find(`/users/${segment(memberId)}`)) !== undefined) {
        setErrors({ top: [`A member with id ${memberId} already exists.`], fields: new Map([[ID_PATH, ['is already taken']]]) });
        return;
      }
      await api().put(`/users/${segment(memberId)}`, document);
      flash(`Saved member ${memberId}`);
      navigate('members');
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    } finally {
      setSaving(false);
    }
  }

  async function remove(): Promise<void> {
    if (props.id === undefined || !confirm(`Delete member ${props.id}?`)) return;
    try {
      await api().delete(`/users/${segment(props.id)}`);
      flash(`Deleted member ${props.id}`);
      navigate('members');
    } catch (failure) {
      setErrors(errorsOf(failure, fieldPaths));
    }
  }

  const setDevice = (key: number, value: string): void =>
    setDevices((rows) => rows.map((row) => (row.key === key ? { ...row, value } : row)));

  if (editing && loaded.data === undefined) return loaded.error === undefined ? <p>Loading…</p> : <LoadError error={loaded.error} />;
  return (
    <>
      <h1>{editing ? `Member ${props.id}` : 'New member'}</h1>
      <form onSubmit={(event) => void save(event)} noValidate aria-label={editing ? `Member ${props.id}` : 'New member'}>
        <FormAlert errors={errors} />
        <Field
          id="member-id"
          label="Id"
          path={ID_PATH}
          errors={errors}
          hint="Lowercase letters, digits and -, e.g. anna. Cannot change later."
        >
          {(control) => (
            <input {...control} value={id} readOnly={editing} autoComplete="off" onInput={(event) => setId(targetValue(event))} />
          )}
        </Field>
        <Field id="member-name" label="Name" path="$.name" errors={errors}>
          {(control) => <input {...control} value={name} onInput={(event) => setName(targetValue(event))} />}
        </Field>
        <Field id="member-extension" label="Extension" path="$.extension" errors={errors} hint="1 to 4 digits, optional.">
          {(control) => <input {...control} value={extension} inputMode="numeric" onInput={(event) => setExtension(targetValue(event))} />}
        </Field>
        <Field id="member-mobile" label="Mobile" path="$.mobile" errors={errors} hint="E.164, e.g. +491701234567; optional.">
          {(control) => <input {...control} value={mobile} type="tel" onInput={(event) => setMobile(targetValue(event))} />}
        </Field>
        <fieldset aria-describedby={errors.fields.has('$.devices') ? 'member-devices-error' : undefined}>
          <legend>Devices</legend>
          {devices.length === 0 ? <p class="hint">No devices: this member is never offered a call.</p> : null}
          {devices.map((row, index) => (
            <div class="device" key={row.key}>
              <Field
                id={`member-device-${index}`}
                label={`${DEVICE_LABELS[row.type]} (device ${index + 1})`}
                path={`$.devices[${index}]`}
                errors={errors}
              >
                {(control) => <input {...control} value={row.value} onInput={(event) => setDevice(row.key, targetValue(event))} />}
              </Field>
              <button
                type="button"
                class="secondary"
                aria-label={`Remove device ${index + 1} (${DEVICE_LABELS[row.type].toLowerCase()} ${row.value})`}
                onClick={() => setDevices((rows) => rows.filter((other) => other.key !== row.key))}
              >
                Remove
              </button>
            </div>
          ))}
          {errors.fields.has('$.devices') ? (
            <p class="error" id="member-devices-error">
              {errors.fields.get('$.devices')?.join('; ')}
            </p>
          ) : null}
          <div class="row">
            {(Object.keys(DEVICE_LABELS) as DeviceType[]).map((type) => (
              <button
                type="button"
                class="secondary"
                key={type}
                onClick={() => setDevices((rows) => [...rows, { key: (deviceKeys += 1), type, value: '' }])}
              >
                Add {DEVICE_LABELS[type].toLowerCase()}
              </button>
            ))}
          </div>
        </fieldset>
        <div class="row">
          <button type="submit" disabled={saving}>
            Save member
          </button>
          <a class="button secondary" href={href('members')}>
            Cancel
          </a>
          {editing ? (
            <button type="button" class="danger" onClick={() => void remove()}>
              Delete member {props.id}
            </button>
          ) : null}
        </div>
      </form>
    </>
  );
}
