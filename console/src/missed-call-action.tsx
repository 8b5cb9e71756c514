import type { JSX } from 'preact';
import type { Group, GroupDocument, Member } from './api.js';
import { CheckField, defined, Field, numeric, optional, targetValue, type FormErrors } from './forms.js';

/**
 * A missed-call action (SPEC section 6) as form fields: the action and only the fields it uses. The
 * group form's "When nobody answers", and the "When closed" of groups and numbers (SPEC section 14).
 * Waiting in line brings the line's own settings (SPEC section 16), three of them actions again: what
 * a caller the line does not keep gets, any action but waiting.
 */

export type Action = GroupDocument['whenNobodyAnswers']['action'];
export type WhenNobodyAnswers = GroupDocument['whenNobodyAnswers'];
type WaitForAgent = Extract<WhenNobodyAnswers, { action: 'wait-for-agent' }>;
type LineActionDocument = NonNullable<WaitForAgent['whenFull']>;

export const ACTIONS: Record<Action, string> = {
  voicemail: 'Voicemail',
  'forward-to-mobile': "Forward to a member's mobile",
  'forward-to-number': 'Forward to a number',
  'wait-for-agent': 'Wait in line for a free member',
  'forward-to-group': 'Go to another group',
  hangup: 'Hang up',
};

/** What the waiting line may do with a caller it does not keep: every action but waiting. */
export const LINE_ACTIONS: readonly Action[] = ['voicemail', 'forward-to-mobile', 'forward-to-number', 'forward-to-group', 'hangup'];

export type ActionFields = { member: string; number: string; group: string };

/** The waiting line's settings as typed; its actions are states of their own (never waiting). */
export type LineState = {
  maxWaitSeconds: string;
  announcePosition: boolean;
  whenMaxWait: ActionState;
  maxCallers: string;
  whenFull: ActionState;
  whenNobodyAvailable: ActionState;
  announceEstimatedWait: boolean;
  menuCallback: boolean;
  menuVoicemail: boolean;
  callbackAttempts: string;
  callbackRetryDelaySeconds: string;
};

/**
 * The action chosen ('' for none, where the form offers none) and its fields; `line` only for an
 * action that may wait, kept while another action is chosen so that choosing back restores it.
 */
export type ActionState = { action: Action | ''; fields: ActionFields; line?: LineState };

const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** A line action's state; `fallback` is what its absence means (voicemail, or '' for none). */
function lineActionState(when: LineActionDocument | undefined, fallback: 'voicemail' | ''): ActionState {
  const state = targetState(when);
  return when === undefined ? { ...state, action: fallback } : state;
}

function targetState(when: WhenNobodyAnswers | undefined): ActionState {
  const fields: ActionFields = { member: '', number: '', group: '' };
  if (when === undefined) return { action: '', fields };
  return {
    action: when.action,
    fields: {
      ...fields,
      ...(when.action === 'forward-to-mobile' ? { member: when.member ?? '' } : {}),
      ...(when.action === 'forward-to-number' ? { number: when.number } : {}),
      ...(when.action === 'forward-to-group' ? { group: when.group } : {}),
    },
  };
}

function lineState(line: WaitForAgent | undefined): LineState {
  return {
    maxWaitSeconds: text(line?.maxWaitSeconds),
    announcePosition: line?.announcePosition ?? false,
    whenMaxWait: lineActionState(line?.whenMaxWait, 'voicemail'),
    maxCallers: text(line?.maxCallers),
    whenFull: lineActionState(line?.whenFull, 'voicemail'),
    whenNobodyAvailable: lineActionState(line?.whenNobodyAvailable, ''),
    announceEstimatedWait: line?.announceEstimatedWait ?? false,
    menuCallback: line?.menu?.callback ?? false,
    menuVoicemail: line?.menu?.voicemail ?? false,
    callbackAttempts: text(line?.callback?.attempts),
    callbackRetryDelaySeconds: text(line?.callback?.retryDelaySeconds),
  };
}

export function actionState(when: WhenNobodyAnswers | undefined): ActionState {
  return { ...targetState(when), line: lineState(when?.action === 'wait-for-agent' ? when : undefined) };
}

/** A line action's document; undefined for none, and for voicemail where its absence means voicemail. */
function lineActionDocument(state: ActionState, voicemailByDefault: boolean): LineActionDocument | undefined {
  const document = actionDocument(state);
  if (document === undefined || document.action === 'wait-for-agent') return undefined;
  return voicemailByDefault && document.action === 'voicemail' ? undefined : document;
}

/** The waiting line's document: only what is set (the API leaves the rest to its defaults). */
function waitDocument(line: LineState | undefined): WaitForAgent {
  if (line === undefined) return { action: 'wait-for-agent' };
  const menu = defined({ callback: line.menuCallback || undefined, voicemail: line.menuVoicemail || undefined });
  // A number the API cannot read is sent as the text typed, so its problem is shown at the field.
  const callback = defined({
    attempts: numeric(line.callbackAttempts) as number | undefined,
    retryDelaySeconds: numeric(line.callbackRetryDelaySeconds) as number | undefined,
  });
  return defined({
    action: 'wait-for-agent' as const,
    maxWaitSeconds: numeric(line.maxWaitSeconds) as number | undefined,
    announcePosition: line.announcePosition || undefined,
    whenMaxWait: lineActionDocument(line.whenMaxWait, true),
    maxCallers: numeric(line.maxCallers) as number | undefined,
    whenFull: lineActionDocument(line.whenFull, true),
    whenNobodyAvailable: lineActionDocument(line.whenNobodyAvailable, false),
    announceEstimatedWait: line.announceEstimatedWait || undefined,
    menu: Object.keys(menu).length === 0 ? undefined : menu,
    // Either field may be left empty for the API's default: the document sent is the schema's input.
    callback: Object.keys(callback).length === 0 ? undefined : (callback as WaitForAgent['callback']),
  });
}

/** The action's document; undefined for none. */
export function actionDocument({ action, fields, line }: ActionState): WhenNobodyAnswers | undefined {
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
      return waitDocument(line);
    case 'voicemail':
    case 'hangup':
      return { action };
    default:
      return action satisfies never;
  }
}

const LINE_ACTION_FIELDS = ['whenMaxWait', 'whenFull', 'whenNobodyAvailable'] as const;
const LINE_FIELDS = [
  'maxWaitSeconds',
  'announcePosition',
  'maxCallers',
  'announceEstimatedWait',
  'menu.callback',
  'menu.voicemail',
  'callback.attempts',
  'callback.retryDelaySeconds',
];

/** The JSON paths of an action's fields under `path`, for the form's error mapping. */
export function actionPaths(path: string): string[] {
  const target = (at: string): string[] => [at, ...['member', 'number', 'group'].map((field) => `${at}.${field}`)];
  return [
    ...target(path),
    ...LINE_FIELDS.map((field) => `${path}.${field}`),
    ...LINE_ACTION_FIELDS.flatMap((field) => target(`${path}.${field}`)),
  ];
}

/** "Number" with the qualifier that keeps it apart from the other actions' numbers: "Number (when closed)". */
const qualified = (label: string, qualifier: string | undefined): string => (qualifier === undefined ? label : `${label} (${qualifier})`);

export function MissedCallAction(props: {
  /** The id of the action's select; its fields' ids add `-member`, `-number`, … */
  id: string;
  /** The fieldset's legend; without one the action's fields are set off by a rule instead (inside another fieldset). */
  legend?: string;
  label: string;
  /** The action's JSON path, e.g. `$.whenNobodyAnswers`. */
  path: string;
  /** Added in parentheses to the labels of the action's own fields, so two actions in one form stay apart ("when closed"). */
  qualifier?: string;
  /** The option for no action ('' in the state), when the document may leave it out. */
  noneOption?: string;
  /** The actions offered; all by default. */
  actions?: readonly Action[];
  /** Said under the action's select. */
  hint?: string;
  state: ActionState;
  onChange: (state: ActionState) => void;
  users: readonly Member[];
  groups: readonly Group[];
  /** The group being edited, which a forward-to-group must not name. */
  ownGroup?: string | undefined;
  errors: FormErrors;
}): JSX.Element {
  const { state, errors, qualifier } = props;
  const setField = <K extends keyof ActionFields>(key: K, value: ActionFields[K]): void =>
    props.onChange({ ...state, fields: { ...state.fields, [key]: value } });
  const offered = props.actions ?? (Object.keys(ACTIONS) as Action[]);
  const fields = (
    <>
      <Field
        id={props.id}
        label={props.label}
        path={props.path}
        errors={errors}
        {...(props.hint === undefined ? {} : { hint: props.hint })}
      >
        {(control) => (
          <select
            {...control}
            value={state.action}
            onChange={(event) => props.onChange({ ...state, action: targetValue(event) as Action | '' })}
          >
            {props.noneOption === undefined ? null : <option value="">{props.noneOption}</option>}
            {offered.map((value) => (
              <option key={value} value={value}>
                {ACTIONS[value]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {state.action === 'forward-to-mobile' ? (
        <Field id={`${props.id}-member`} label={qualified('Member', qualifier)} path={`${props.path}.member`} errors={errors}>
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
          label={qualified('Number', qualifier)}
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
        <Field id={`${props.id}-group`} label={qualified('Group', qualifier)} path={`${props.path}.group`} errors={errors}>
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
        <WaitingLine
          id={props.id}
          path={props.path}
          qualifier={qualifier}
          line={state.line ?? lineState(undefined)}
          onChange={(line) => props.onChange({ ...state, line })}
          users={props.users}
          groups={props.groups}
          ownGroup={props.ownGroup}
          errors={errors}
        />
      ) : null}
    </>
  );
  return props.legend === undefined ? (
    <div class="line-action">{fields}</div>
  ) : (
    <fieldset>
      <legend>{props.legend}</legend>
      {fields}
    </fieldset>
  );
}

/** The waiting line's settings (SPEC section 16): its size, its waits, what it says and the keys a caller may press. */
function WaitingLine(props: {
  id: string;
  path: string;
  qualifier: string | undefined;
  line: LineState;
  onChange: (line: LineState) => void;
  users: readonly Member[];
  groups: readonly Group[];
  ownGroup: string | undefined;
  errors: FormErrors;
}): JSX.Element {
  const { id, path, qualifier, line, errors } = props;
  const set = <K extends keyof LineState>(key: K, value: LineState[K]): void => props.onChange({ ...line, [key]: value });
  const label = (text: string): string => qualified(text, qualifier);
  /** A line action's picker: its label, lowercased, qualifies its own fields ("Number (when the line is full)"). */
  const lineAction = (key: (typeof LINE_ACTION_FIELDS)[number], suffix: string, text: string, hint: string, noneOption?: string) => (
    <MissedCallAction
      id={`${id}-${suffix}`}
      label={label(text)}
      qualifier={[text.toLowerCase(), qualifier].filter((part) => part !== undefined).join(', ')}
      {...(noneOption === undefined ? {} : { noneOption })}
      actions={LINE_ACTIONS}
      hint={hint}
      path={`${path}.${key}`}
      state={line[key]}
      onChange={(state) => set(key, state)}
      users={props.users}
      groups={props.groups}
      ownGroup={props.ownGroup}
      errors={errors}
    />
  );
  const number = (
    key: 'maxWaitSeconds' | 'maxCallers' | 'callbackAttempts' | 'callbackRetryDelaySeconds',
    suffix: string,
    text: string,
    at: string,
    hint: string,
  ) => (
    <Field id={`${id}-${suffix}`} label={label(text)} path={`${path}.${at}`} errors={errors} hint={hint}>
      {(control) => <input {...control} inputMode="numeric" value={line[key]} onInput={(event) => set(key, targetValue(event))} />}
    </Field>
  );
  const check = (
    key: 'announcePosition' | 'announceEstimatedWait' | 'menuCallback' | 'menuVoicemail',
    suffix: string,
    text: string,
    at: string,
    hint?: string,
  ) => (
    <CheckField
      id={`${id}-${suffix}`}
      label={label(text)}
      path={`${path}.${at}`}
      errors={errors}
      checked={line[key]}
      onChange={(checked) => set(key, checked)}
      {...(hint === undefined ? {} : { hint })}
    />
  );
  return (
    <fieldset class="line">
      <legend>{label('Waiting line')}</legend>
      {number('maxCallers', 'max-callers', 'Max callers', 'maxCallers', '1 to 1000 callers waiting at once; empty for no limit.')}
      {lineAction('whenFull', 'when-full', 'When the line is full', 'What the next caller gets while Max callers are waiting.')}
      {lineAction(
        'whenNobodyAvailable',
        'when-nobody-available',
        'When nobody is available',
        'What a caller gets at once, instead of waiting, while every member is away or has no device.',
        'Wait all the same',
      )}
      {number('maxWaitSeconds', 'max-wait', 'Max wait (seconds)', 'maxWaitSeconds', '10 to 86400; empty for the default of 1800.')}
      {lineAction('whenMaxWait', 'when-max-wait', 'After the longest wait', 'What a caller gets who has waited Max wait.')}
      {check('announcePosition', 'announce', 'Announce position', 'announcePosition')}
      {check(
        'announceEstimatedWait',
        'announce-wait',
        'Announce estimated wait',
        'announceEstimatedWait',
        'Said when the line has enough recent history to estimate it.',
      )}
      <fieldset>
        <legend>{label('Keys while waiting')}</legend>
        {check('menuCallback', 'menu-callback', 'Key 1: ask for a callback', 'menu.callback', 'The caller hangs up and keeps their place.')}
        {check('menuVoicemail', 'menu-voicemail', 'Key 2: leave a voicemail', 'menu.voicemail')}
      </fieldset>
      <fieldset>
        <legend>{label('Callbacks')}</legend>
        <p class="hint">Used when callers may ask for a callback (key 1).</p>
        {number('callbackAttempts', 'callback-attempts', 'Callback attempts', 'callback.attempts', '1 to 5; empty for the default of 3.')}
        {number(
          'callbackRetryDelaySeconds',
          'callback-retry-delay',
          'Callback retry delay (seconds)',
          'callback.retryDelaySeconds',
          '30 to 3600 between attempts; empty for the default of 120.',
        )}
      </fieldset>
    </fieldset>
  );
}
