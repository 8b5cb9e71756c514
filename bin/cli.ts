/**
 * What the command-line tools print when they fail: one line a user can act on, not a stack trace.
 * `DEBUG=1` prints the whole error for a bug report.
 */
export function cliErrorLine(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      // Node's own text adds advice about `--` that does not apply here: the first sentence is the point.
      return `${message.split('. ')[0] ?? message}. See --help.`;
    case 'ENOENT':
      return `${(error as { path?: string }).path ?? 'a file'}: no such file.`;
    case 'EACCES':
      return `${(error as { path?: string }).path ?? 'a file'}: permission denied.`;
    case 'EADDRINUSE':
      return `port ${String((error as { port?: number }).port ?? '')} is in use (is another run still going?); choose another port.`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

/** Whether `parseArgs` refused the command line (an unknown option, a missing value, an extra argument). */
export function isOptionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * npm prints its banner ("> twilio-queue-groups@0.1.0 bench") on stdout before the script's own
 * output, unless run with --silent (-s) or npm's own --json (then it goes to stderr). A tool asked for
 * JSON says so on stderr, where it does not spoil the JSON on stdout.
 */
export function warnOfNpmBanner(script: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_lifecycle_event === undefined || env.npm_config_loglevel === 'silent' || env.npm_config_json === 'true') return;
  console.error(
    `npm printed its banner on stdout before the JSON: for JSON alone run npm run -s ${script} -- ... (or npx tsx bin/${script}.ts ...).`,
  );
}

/** Print the error as one line (or whole, with DEBUG=1) and give the exit code for a failed run. */
export function reportCliError(error: unknown): number {
  console.error(process.env.DEBUG === '1' ? error : cliErrorLine(error));
  return 2;
}
