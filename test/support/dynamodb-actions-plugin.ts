import { dirname, join, relative } from 'node:path';
import type { Vite } from 'vitest/node';

/**
 * Test-time instrumentation of the Lambda handlers for test/permissions/ (see dynamodb-actions.ts):
 * in functions/handlers/<name>.ts, `export const handler = …` becomes a local, and the module exports
 * `recordedHandler('<name>', …)` instead. Only the module as the tests load it changes, like coverage
 * instrumentation; the file and the deployed bundle (esbuild, not Vite) do not.
 */
const root = join(import.meta.dirname, '..', '..');
const handlersDir = join(root, 'functions', 'handlers');
const recorder = join(root, 'test', 'support', 'dynamodb-actions.js');
const EXPORT = /^export const handler\b/m;

export function recordDynamoDbActions(): Vite.Plugin {
  return {
    name: 'queue-groups:record-dynamodb-actions',
    // Before the TypeScript transform: the source is matched as written.
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0] ?? id;
      if (dirname(file) !== handlersDir || !file.endsWith('.ts')) return null;
      const name = file.slice(handlersDir.length + 1, -'.ts'.length);
      // A handler written another way would go unrecorded: fail loudly instead.
      if (!EXPORT.test(code))
        this.error(`${file}: cannot record its DynamoDB actions; the handler must be exported as \`export const handler = …\``);
      const recorderImport = `./${relative(handlersDir, recorder)}`.replace(/^\.\/\.\.\//, '../');
      const instrumented = [
        code.replace(EXPORT, 'const handler$unrecorded'),
        `import { documentClient as documentClient$recorded } from '../store/client.js';`,
        `import { recordedHandler as recordedHandler$ } from '${recorderImport}';`,
        `export const handler = recordedHandler$(${JSON.stringify(name)}, handler$unrecorded, documentClient$recorded);`,
        '',
      ].join('\n');
      // Lines before the appended ones keep their numbers; only the renamed line's columns move.
      return { code: instrumented, map: null };
    },
  };
}
