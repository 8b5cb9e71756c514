/** Structured one-line JSON logs, the shape CloudWatch Logs Insights queries best. */
type Fields = Record<string, unknown>;

function errorFields(error: unknown): Fields {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message, stack: error.stack };
  return { errorMessage: String(error) };
}

function write(level: 'info' | 'warn' | 'error', message: string, fields: Fields): void {
  if (process.env.LOG_LEVEL === 'silent') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

export const logger = {
  info: (message: string, fields: Fields = {}): void => write('info', message, fields),
  warn: (message: string, fields: Fields = {}): void => write('warn', message, fields),
  error: (message: string, error: unknown, fields: Fields = {}): void => write('error', message, { ...fields, ...errorFields(error) }),
};
