import type { JSX } from 'preact';
import type { Group, GroupDocument, Member } from './api.js';
import { defined, Field, numeric, optional, targetChecked, targetValue, type FormErrors } from './forms.js';

/**
 * A missed-call action (SPEC section 6) as form fields: the action and only the fields it uses. The
 * group form's "When nobody answers", and the "When closed" of groups and numbers (SPEC section 14).
 */

export type Action = GroupDocument['whenNobodyAnswers']['action'];
export type WhenNobodyAnswers = GroupDocument['whenNobodyAnswers'];

export const ACTIONS: Record<Action, string> = {
  voicemail: 'Voicemail',
  'forward-to-mobile': "Forward to a member's mobile",
  'forward-to-number': 'Forward to a number',
  'wait-for-agent': 'Wait in line for a free member',
  'forward-to-group': 'Go to another group',
  hangup: 'Hang up',
};

export type ActionFields = { member: string; number: string; group: string; maxWaitSeconds: string; announcePosition: boolean };

/** The action chosen ('' for none, where the form offers none) and its fields. */
export type ActionState = { action: Action | ''; fields: ActionFields };

export function actionState(when: WhenNobodyAnswers | undefined): ActionState {
  const fields: ActionFields = { member: '', number: '', group: '', maxWaitSeconds: '', announcePosition: false };
  if (when === undefined) return { action: '', fields };
  return {
    action: when.action,
    fields: {
      ...fields,
      ...(when.action === 'forward-to-mobile' ? { member: when.member ?? '' } : {}),
      ...(when.action === 'forward-to-number' ? { number: when.number } : {}),
      ...(when.action === 'forward-to-group' ? { group: when.group } : {}),
      ...(when.action === 'wait-for-agent'
        ? {
            maxWaitSeconds: when.maxWaitSeconds === undefined ? '' : String(when.maxWaitSeconds),
            announcePosition: when.announcePosition ?? false,
          }
        : {}),
    },
  };
}

/** The action's document; undefined for none. */
export function actionDocument({ action, fields }: ActionState): WhenNobodyAnswers | undefined {
  switch (action) {
    case '':
      return undefined;
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

/** The JSON paths of an action's fields under `path`, for the form's error mapping. */
export function actionPaths(path: string): string[] {
  return [path, ...['member', 'number', 'group', 'maxWaitSeconds', 'announcePosition'].map((field) => `${path}.${field}`)];
}

export function MissedCallAction(props: {
  /** The id of the action's select; its fields' ids add `-member`, `-number`, … */
  id: string;
  legend: string;
  label: string;
  /** The action's JSON path, e.g. `$.whenNobodyAnswers`. */
  path: string;
  /** Added to the labels of the action's own fields, so two actions in one form stay apart. */
  labelSuffix?: string;
  /** The option for no action ('' in the state), when the document may leave it out. */
  noneOption?: string;
  state: ActionState;
  onChange: (state: ActionState) => void;
  users: readonly Member[];
  groups: readonly Group[];
  /** The group being edited, which a forward-to-group must not name. */
  ownGroup?: string | undefined;
  errors: FormErrors;
}): JSX.Element {
  const { state, errors } = props;
  const suffix = props.labelSuffix ?? '';
  const setField = <K extends keyof ActionFields>(key: K, value: ActionFields[K]): void =>
    props.onChange({ ...state, fields: { ...state.fields, [key]: value } });
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <Field id={props.id} label={props.label} path={props.path} errors={errors}>
        {(control) => (
          <select
            {...control}
            value={state.action}
            onChange={(event) => props.onChange({ ...state, action: targetValue(event) as Action | '' })}
          >
            {props.noneOption === undefined ? null : <option value="">{props.noneOption}</option>}
            {Object.entries(ACTIONS).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        )}
      </Field>
      {state.action === 'forward-to-mobile' ? (
        <Field id={`${props.id}-member`} label={`Member${suffix}`} path={`${props.path}.member`} errors={errors}>
          {(control) => (
            <select {...control} value={state.fields.member} onChange={(event) => setField('member', targetValue(event))}>
              <option value="">The last member offered the call</option>
              {props.users.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name} ({user.id})
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {state.action === 'forward-to-number' ? (
        <Field
          id={`${props.id}-number`}
          label={`Number${suffix}`}
          path={`${props.path}.number`}
          errors={errors}
          hint="E.164, e.g. +4940123456."
        >
          {(control) => (
            <input {...control} type="tel" value={state.fields.number} onInput={(event) => setField('number', targetValue(event))} />
          )}
        </Field>
      ) : null}
      {state.action === 'forward-to-group' ? (
        <Field id={`${props.id}-group`} label={`Group${suffix}`} path={`${props.path}.group`} errors={errors}>
          {(control) => (
            <select {...control} value={state.fields.group} onChange={(event) => setField('group', targetValue(event))}>
              <option value="">Choose a group…</option>
              {props.groups
                .filter((group) => group.id !== props.ownGroup)
                .map((group) => (
                  <option key={group.id} value={group.id}>
                    {group.name} ({group.id})
                  </option>
                ))}
            </select>
          )}
        </Field>
      ) : null}
      {state.action === 'wait-for-agent' ? (
        <>
          <Field
            id={`${props.id}-max-wait`}
            label={`Max wait (seconds)${suffix}`}
            path={`${props.path}.maxWaitSeconds`}
            errors={errors}
            hint="10 to 86400; empty for the default of 1800. Then: voicemail."
          >
            {(control) => (
              <input
                {...control}
                inputMode="numeric"
                value={state.fields.maxWaitSeconds}
                onInput={(event) => setField('maxWaitSeconds', targetValue(event))}
              />
            )}
          </Field>
          <div class="field check">
            <input
              id={`${props.id}-announce`}
              type="checkbox"
              checked={state.fields.announcePosition}
              onChange={(event) => setField('announcePosition', targetChecked(event))}
            />
            <label for={`${props.id}-announce`}>Announce position{suffix}</label>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}
