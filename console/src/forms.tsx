import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, type Problem } from './api.js';

/**
 * Errors where they belong: a 400's problems go to the field their JSON path names (the longest
 * field path that is the problem's path or a prefix of it), a 409's reason and anything no field
 * claims to the top of the form. The form's values are the component's state and never reset here.
 */
export type FormErrors = { top: string[]; fields: Map<string, string[]> };

export const noErrors: FormErrors = { top: [], fields: new Map() };

/** Problems about the URL's path segment (`user id`, `group id`, `number`) belong to the field holding the id. */
const PATH_PARAMETERS = new Set(['user id', 'group id', 'number', 'schedule id']);
export const ID_PATH = '$id';

function owner(path: string, fieldPaths: readonly string[]): string | undefined {
  if (PATH_PARAMETERS.has(path)) return ID_PATH;
  let best: string | undefined;
  for (const field of fieldPaths)
    if ((path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`)) && field.length > (best?.length ?? -1))
      best = field;
  return best;
}

export function errorsOf(error: unknown, fieldPaths: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { top: [error instanceof Error ? error.message : String(error)], fields: new Map() };
  const fields = new Map<string, string[]>();
  const top: string[] = [];
  const problems: Problem[] = error.problems;
  for (const problem of problems) {
    const field = owner(problem.path, fieldPaths);
    if (field === undefined) top.push(`${problem.path}: ${problem.message}`);
    else fields.set(field, [...(fields.get(field) ?? []), problem.message]);
  }
  // A 400 lists what is wrong at the fields; say so at the top as well, so a screen reader user hears it.
  if (problems.length === 0 || top.length > 0 || error.status !== 400) top.unshift(error.message);
  else top.unshift(`${error.message}: see the fields marked below`);
  return { top, fields };
}

export type FieldProps = { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string };

/**
 * What a field says beside its control, a hint and its errors, and the attributes that tie them to
 * the control (`aria-invalid` and `aria-describedby`): one place for every kind of field.
 */
function fieldNotes(id: string, errors: FormErrors, path: string, hint: string | undefined) {
  const messages = errors.fields.get(path);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [messages === undefined ? undefined : errorId, hint === undefined ? undefined : hintId].filter(Boolean).join(' ');
  return {
    invalid: messages !== undefined,
    control: {
      id,
      ...(messages === undefined ? {} : { 'aria-invalid': 'true' as const }),
      ...(describedBy === '' ? {} : { 'aria-describedby': describedBy }),
    },
    notes: (
      <>
        {hint === undefined ? null : (
          <p class="hint" id={hintId}>
            {hint}
          </p>
        )}
        {messages === undefined ? null : (
          <p class="error" id={errorId}>
            {messages.join('; ')}
          </p>
        )}
      </>
    ),
  };
}

/** A labelled control with its error message tied to it (`aria-invalid` and `aria-describedby`). */
export function Field(props: {
  id: string;
  label: string;
  errors: FormErrors;
  path: string;
  hint?: string;
  children: (control: FieldProps) => ComponentChildren;
}): JSX.Element {
  const { invalid, control, notes } = fieldNotes(props.id, props.errors, props.path, props.hint);
  return (
    <div class={`field${invalid ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children(control)}
      {notes}
    </div>
  );
}

/** A labelled checkbox with its error message tied to it, like `Field`. */
export function CheckField(props: {
  id: string;
  label: string;
  errors: FormErrors;
  path: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}): JSX.Element {
  const { invalid, control, notes } = fieldNotes(props.id, props.errors, props.path, props.hint);
  return (
    <div class={`field check${invalid ? ' invalid' : ''}`}>
      <input {...control} type="checkbox" checked={props.checked} onChange={(event) => props.onChange(targetChecked(event))} />
      <label for={props.id}>{props.label}</label>
      {notes}
    </div>
  );
}

/** The messages at the top of a form: focused when they appear, so keyboard and screen reader users meet them first. */
export function FormAlert(props: { errors: FormErrors }): JSX.Element | null {
  const box = useRef<HTMLDivElement>(null);
  // Once per new set of errors: a re-render for typing must not take the focus away again.
  useEffect(() => box.current?.focus(), [props.errors]);
  if (props.errors.top.length === 0) return null;
  return (
    <div class="alert" role="alert" tabIndex={-1} ref={box}>
      {props.errors.top.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

export function Status(props: { message: string | undefined }): JSX.Element {
  return (
    <p class="status" role="status">
      {props.message ?? ''}
    </p>
  );
}

export function Warnings(props: { warnings: readonly string[] | undefined; label?: string }): JSX.Element | null {
  if (props.warnings === undefined || props.warnings.length === 0) return null;
  return (
    <div class="warnings" aria-label={props.label ?? 'Warnings'} role="region">
      <h3>Warnings</h3>
      <ul>
        {props.warnings.map((warning) => (
          <li key={warning}>{warning}</li>
        ))}
      </ul>
    </div>
  );
}

/** Input text for an optional field: empty means absent. */
export const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());

/** A number field's value: a number when it reads as one, else the text, so the API names the problem. */
export function numeric(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^-?[0-9]+(\.[0-9]+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** Copies an object without its undefined fields (the API's documents are strict). */
export function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

export const targetValue = (event: Event): string => (event.currentTarget as HTMLInputElement).value;
export const targetChecked = (event: Event): boolean => (event.currentTarget as HTMLInputElement).checked;
