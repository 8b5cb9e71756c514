import { execFileSync } from 'node:child_process';

/**
 * `npm start` is four processes: npm, the shell npm runs the script in (`sh -c "tsx bin/start.ts"`),
 * tsx's command-line process, and the Node process that runs bin/start.ts. A signal reaches only the
 * process it is sent to, and the others pass on little of it:
 * - npm 11 (@npmcli/run-script's signal-manager) passes SIGINT and SIGTERM to its shell and ends with
 *   it; SIGHUP ends npm alone.
 * - The shell (dash, bash) ends on SIGTERM or SIGHUP without passing it on to tsx.
 * - tsx passes SIGINT and SIGTERM on to the Node process; when that does not confirm within 30 ms it
 *   sends SIGKILL. SIGHUP ends tsx alone.
 * So the Node process watches the processes that launched it and stops the stack once one is gone.
 */

export type Launcher = { pid: number; command: string };

type Row = { pid: number; ppid: number; command: string };

function processTable(): Map<number, Row> {
  const rows = new Map<number, Row>();
  let listing = '';
  try {
    listing = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,command='], { encoding: 'utf8' });
  } catch {
    return rows;
  }
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match !== null) rows.set(Number(match[1]), { pid: Number(match[1]), ppid: Number(match[2]), command: match[3] ?? '' });
  }
  return rows;
}

/**
 * The processes above this one that are part of its start, nearest first: tsx's command-line process,
 * npm's script shell and npm itself (the last watched; whatever started npm is not). Only what this
 * process is sure of: a chain it does not recognise ends there.
 */
export function launchersOf(pid: number = process.pid, env: NodeJS.ProcessEnv = process.env): Launcher[] {
  const table = processTable();
  const underNpm = env.npm_lifecycle_event !== undefined;
  const script = env.npm_lifecycle_script;
  const found: Launcher[] = [];
  let row = table.get(table.get(pid)?.ppid ?? -1);
  while (row !== undefined && row.pid > 1) {
    const { command } = row;
    const isTsx = /(^|[\s/])tsx(\.m?js)?(\s|$)/.test(command) || command.includes('/tsx/dist/cli.');
    const isScriptShell = underNpm && script !== undefined && /(^|\/)(sh|bash|dash|zsh)\s+-c\s/.test(command) && command.includes(script);
    const isNpm = underNpm && /(^|[\s/])(npm|npm-cli\.js|npx|npx-cli\.js)(\s|$)/.test(command);
    if (!isTsx && !isScriptShell && !isNpm) break;
    found.push({ pid: row.pid, command });
    if (isNpm) break;
    row = table.get(row.ppid);
  }
  return found;
}

/** Whether a process with this id runs (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once, when the parent of this process changes (it ended: this process was handed to
 * init or a subreaper) or one of `launchers` ends. Polls every `intervalMs`; the timer does not keep
 * the process alive. Returns a function that stops watching.
 */
export function watchLaunchers(launchers: Launcher[], onGone: (what: string) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    let gone: string | undefined;
    if (process.ppid !== parent) gone = `the parent process ${parent}`;
    else {
      const ended = launchers.find((launcher) => !alive(launcher.pid));
      if (ended !== undefined) gone = `process ${ended.pid} (${ended.command.slice(0, 60)})`;
    }
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
