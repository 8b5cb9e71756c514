import { Logger, LogLevel } from '@aws-lambda-powertools/logger';

/**
 * Structured one-line JSON logs (Powertools Logger), the shape CloudWatch Logs Insights queries best.
 * The voice handler appends the call's SID to every line of a request (middleware/call-log-keys.ts),
 * so log calls do not repeat it.
 *
 * Phone numbers are personal data: every E.164 number anywhere in a line (message, fields, error
 * messages and stacks, plain or URL-encoded) is masked to its last two digits, `+*********67`, unless
 * `LOG_PHONE_NUMBERS=true` asks for them while debugging (read once at cold start).
 *
 * The level: `POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL` (`silent` for the tests), case-insensitive; Lambda's
 * own log level (advanced logging controls) takes precedence, as Powertools has it. Default INFO.
 */
type Fields = Record<string, unknown>;

/** The service name when the stack sets none (it sets `POWERTOOLS_SERVICE_NAME` per function). */
export const DEFAULT_SERVICE_NAME = 'queue-groups';

/** `+` (or `%2B` in a URL) and 7 to 15 digits not followed by another: E.164's length. */
const PHONE_NUMBER = /(\+|%2B)(\d{5,13})(\d{2})(?!\d)/gi;

/** A phone number reduced to its last two digits (the rest starred), enough to tell two apart in a log. */
export function maskPhoneNumbers(text: string): string {
  return text.replace(PHONE_NUMBER, (_match, plus: string, hidden: string, last: string) => `${plus}${'*'.repeat(hidden.length)}${last}`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/**
 * JSON.stringify's replacer for every log line: strings are masked, and so are keys (a map keyed by
 * number). Powertools formats an Error after the replacer saw it, and then hands its message and stack
 * back to the replacer like any other string.
 */
function maskingReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value);
  if (isPlainObject(value) && Object.keys(value).some((key) => maskPhoneNumbers(key) !== key))
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [maskPhoneNumbers(key), entry]));
  return value;
}

type Level = (typeof LogLevel)[keyof typeof LogLevel];
const isLevel = (value: string | undefined): value is Level => value !== undefined && Object.hasOwn(LogLevel, value);

/** `silent` and the other levels in any case (Powertools reads only upper-case ones from the environment). */
function configuredLogLevel(env: NodeJS.ProcessEnv): Level | undefined {
  const level = (env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL)?.toUpperCase();
  return isLevel(level) ? level : undefined;
}
const logLevel = configuredLogLevel(process.env);

/** The Powertools Logger behind `logger`: the handlers' middlewares (context, appended keys) use it. */
export const powertoolsLogger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  ...(logLevel === undefined ? {} : { logLevel }),
  ...(process.env.LOG_PHONE_NUMBERS === 'true' ? {} : { jsonReplacerFn: maskingReplacer }),
});

function errorFields(error: unknown): Fields {
  if (error === undefined) return {};
  // An Error is formatted by Powertools (name, location, message, stack, cause).
  return error instanceof Error ? { error } : { error: String(error) };
}

/** The project's log calls: a message and fields; for errors the error too. */
export const logger = {
  info: (message: string, fields: Fields = {}): void => powertoolsLogger.info(message, fields),
  warn: (message: string, fields: Fields = {}): void => powertoolsLogger.warn(message, fields),
  error: (message: string, error: unknown, fields: Fields = {}): void =>
    powertoolsLogger.error(message, { ...fields, ...errorFields(error) }),
};
