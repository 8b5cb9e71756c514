import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

/** Data a page reads when it opens; `reload` reads it again (after a change). */
export type Loaded<T> = { data: T | undefined; error: string | undefined; reload: () => void };

export function useLoad<T>(read: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    read().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
      },
      (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return { data, error, reload };
}

export function LoadError(props: { error: string | undefined }): JSX.Element | null {
  return props.error === undefined ? null : (
    <p class="alert" role="alert">
      {props.error}
    </p>
  );
}

/** A message for the next page shown (a list after its form saved), read once. */
let pendingFlash: string | undefined;
export function flash(message: string): void {
  pendingFlash = message;
}
export function takeFlash(): string | undefined {
  const message = pendingFlash;
  pendingFlash = undefined;
  return message;
}

/** The sentinel id of a form that creates: not a valid id or number, so it never names one. */
export const NEW = '~new';

/** What went wrong, in one line for the page. */
export function messageOf(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}

/**
 * A list page's actions (delete, the away switch): each asks the API, then says what it did or why
 * not, and reloads the list. The status starts with the message a form left when it navigated here.
 */
export function useListActions(reload: () => void): {
  status: string | undefined;
  error: string | undefined;
  act: (request: () => Promise<unknown>, done: string) => Promise<void>;
} {
  const [status, setStatus] = useState<string | undefined>(takeFlash);
  const [error, setError] = useState<string | undefined>(undefined);
  async function act(request: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await request();
      setError(undefined);
      setStatus(done);
      reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  return { status, error, act };
}
