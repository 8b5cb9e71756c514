import type { ConnectReport, Outcome, ResourceOutcome } from './connect.js';
import type { FieldChange } from './plan.js';

/** connect's report: one line per resource and a closing line, or the same as JSON for scripts. */

const NONE = '(none)';

function changeText(change: FieldChange): string {
  return `${change.parameter}: ${change.from ?? NONE} -> ${change.to ?? NONE}`;
}

function resourceLine(resource: ResourceOutcome): string {
  const name = `${resource.kind} ${resource.kind === 'twiml-app' ? `"${resource.name}"` : resource.name}${resource.sid === undefined ? '' : ` (${resource.sid})`}`;
  const changes = resource.changes.map(changeText).join('; ');
  switch (resource.outcome) {
    case 'unchanged':
      return `${name}: unchanged`;
    case 'updated':
    case 'would-update':
      return `${name}: ${resource.outcome === 'updated' ? 'updated' : 'would update'} ${changes}`;
    case 'created':
    case 'would-create':
      return `${name}: ${resource.outcome === 'created' ? 'created' : 'would create'} with ${changes}`;
    default:
      return resource.outcome satisfies never;
  }
}

function count(report: ConnectReport, ...outcomes: Outcome[]): number {
  return report.resources.filter((resource) => outcomes.includes(resource.outcome)).length;
}

function closingLine(report: ConnectReport): string {
  const unchanged = count(report, 'unchanged');
  if (unchanged === report.resources.length)
    return `Nothing to change: all ${unchanged} already point at ${new URL(report.webhooks.incoming).origin}.`;
  if (report.dryRun)
    return `Dry run: ${count(report, 'would-update')} to update, ${count(report, 'would-create')} to create, ${unchanged} unchanged; nothing was written.`;
  return `Done: ${count(report, 'updated')} updated, ${count(report, 'created')} created, ${unchanged} unchanged.`;
}

export function reportLines(report: ConnectReport): string[] {
  return [...report.resources.map(resourceLine), closingLine(report)];
}

/** The JSON report: what changed, field by field, by camelCase name and by Twilio's. */
export function reportJson(report: ConnectReport): string {
  return JSON.stringify(
    {
      accountSid: report.accountSid,
      dryRun: report.dryRun,
      webhooks: report.webhooks,
      changed: count(report, 'updated', 'created', 'would-update', 'would-create') > 0,
      resources: report.resources.map((resource) => ({
        kind: resource.kind,
        name: resource.name,
        sid: resource.sid ?? null,
        outcome: resource.outcome,
        changes: resource.changes.map((change) => ({ ...change, from: change.from ?? null, to: change.to ?? null })),
      })),
    },
    null,
    2,
  );
}
