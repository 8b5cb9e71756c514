import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedBundleOptions } from '../../lib/bundling.js';

const root = join(import.meta.dirname, '..', '..');

/** The inputs of a handler's bundle as the stack deploys it. */
async function bundleInputs(handler: string, dir: string): Promise<string[]> {
  const result = await build({
    ...deployedBundleOptions(join(root, 'functions', 'handlers', `${handler}.ts`), join(dir, `${handler}.mjs`)),
    metafile: true,
  });
  return Object.keys(result.metafile.inputs);
}

const twiml = (input: string): boolean => input.startsWith('functions/twiml/') || input.includes('node_modules/twilio/');

/** The reconciliation answers no webhook: TwiML code (ours or the twilio package's) stays out of it. */
describe('reconcile bundle', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'reconcile-bundle-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('contains no TwiML code, which the voice bundle does', async () => {
    const [reconcile, voice] = await Promise.all([bundleInputs('reconcile', dir), bundleInputs('voice', dir)]);

    expect(voice.filter(twiml)).not.toEqual([]);
    expect(reconcile.filter(twiml)).toEqual([]);
    expect(reconcile).toContain('functions/voicemail/reconcile.ts');
  });
});
