import type {
  Group,
  GroupDocument,
  Member,
  NumberDocument,
  PhoneNumber,
  Schedule,
  ScheduleDocument,
  Settings,
  UserDocument,
} from '../../functions/commons/schemas.js';
import type { LiveView } from '../../functions/admin/live.js';
import type { CallRecord } from '../../functions/routing/call-outcome.js';

/**
 * The admin API as the console uses it: JSON in and out, every error a value the forms can show
 * (a 400's problems at their fields, a 409's reason at the top of the form). When deployed, each
 * request is signed (signer.ts) by the `sign` function given at boot.
 */

export type { Group, GroupDocument, LiveView, Member, NumberDocument, PhoneNumber, Schedule, ScheduleDocument, Settings, UserDocument };
/** A schedule's state now, as GET /schedules and GET /schedules/{id}/status answer it. */
export type ScheduleStatus = {
  state: 'open' | 'closed';
  decidedBy: 'override' | 'exception' | 'weekly';
  reason: string;
  localTime: string;
  nextChange?: string;
};
export type Call = CallRecord;
export type Voicemail = {
  recordingSid: string;
  callSid: string;
  caller: string;
  group?: string;
  member?: string;
  recordingUrl: string;
  durationSeconds: number;
  recordedAt: string;
};
export type WithWarnings<T> = T & { warnings?: string[] };
export type Problem = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Adds the signature's headers to a request; absent locally, where the admin API needs none. */
export type Sign = (method: string, url: URL, headers: Record<string, string>, body: string | undefined) => Promise<Record<string, string>>;

export class AdminApi {
  private readonly base: URL;

  constructor(
    adminUrl: string,
    private readonly sign?: Sign,
  ) {
    this.base = new URL(adminUrl.replace(/\/+$/, ''), location.href);
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}${path}`, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
    if (this.sign !== undefined) headers = await this.sign(method, url, headers, payload);
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    } catch {
      throw new ApiError(0, `the admin API at ${this.base.origin} cannot be reached`);
    }
    if (response.ok) return response;
    const answer = (await response.json().catch(() => ({}))) as { error?: unknown; problems?: unknown };
    const problems = Array.isArray(answer.problems) ? (answer.problems as Problem[]) : [];
    const message = typeof answer.error === 'string' ? answer.error : `${method} ${path} answered ${response.status}`;
    throw new ApiError(response.status, message, problems);
  }

  async get<T>(path: string): Promise<T> {
    return (await this.send('GET', path)).json() as Promise<T>;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return (await this.send('PUT', path, body)).json() as Promise<T>;
  }

  async delete(path: string): Promise<void> {
    await this.send('DELETE', path);
  }

  /** A binary answer (a voicemail's audio), fetched like any request so it is signed when deployed. */
  async blob(path: string): Promise<Blob> {
    return (await this.send('GET', path)).blob();
  }

  /** GET, or undefined on 404. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }
}

let current: AdminApi | undefined;

export function setApi(api: AdminApi): void {
  current = api;
}

/** The admin API the console was booted with. */
export function api(): AdminApi {
  if (current === undefined) throw new Error('the console has not booted');
  return current;
}

export const segment = (id: string): string => encodeURIComponent(id);
