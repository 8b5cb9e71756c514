import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { e164Schema } from '../../functions/commons/schemas.js';
import { adminClient, AdminRequestError } from '../admin/client.js';
import { NotReadyError, UsageError } from './errors.js';

/**
 * The numbers the configuration routes (SPEC section 2): the keys of a configuration file's
 * `numbers` (examples/acme.json), or the admin API's `GET /numbers`. Only the numbers are read: what
 * a number does is the configuration's business, where its calls arrive is connect's.
 */

const fileSchema = z.object({ numbers: z.record(z.string(), z.unknown(), { error: 'has no "numbers" object' }) }).loose();
const adminAnswerSchema = z.object({ numbers: z.array(z.object({ number: e164Schema }).loose()) });

function checked(numbers: readonly string[], where: string): string[] {
  const wrong = numbers.filter((number) => !e164Schema.safeParse(number).success);
  if (wrong.length > 0) throw new UsageError(`${where}: not E.164 numbers (such as +493012345678): ${wrong.join(', ')}`);
  return [...new Set(numbers)].sort();
}

/** The `numbers` keys of a configuration file, JSON or YAML (by its extension). */
export async function numbersOfFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'JSON or YAML'} (${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)})`,
    );
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) throw new UsageError(`${file}: ${parsed.error.issues[0]?.message ?? 'not a configuration'}`);
  return checked(Object.keys(parsed.data.numbers), file);
}

/** The numbers the admin API lists (signed with SigV4 when it is a deployment's function URL). */
export async function numbersOfAdminApi(adminUrl: string): Promise<string[]> {
  let answer: unknown;
  try {
    answer = await adminClient(adminUrl).request('GET', '/numbers');
  } catch (error) {
    if (error instanceof AdminRequestError) throw new NotReadyError(`the admin API at ${adminUrl}: ${error.message}`, { cause: error });
    // The client's own message names the URL and the reason (ECONNREFUSED, no AWS credentials, ...).
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new NotReadyError(`${message.replace(/\.$/, '')}${/[?]$/.test(message) ? '' : '.'} Or give --config FILE.`, { cause: error });
  }
  const parsed = adminAnswerSchema.safeParse(answer);
  if (!parsed.success) throw new NotReadyError(`the admin API at ${adminUrl} did not answer GET /numbers with a list of numbers`);
  return checked(
    parsed.data.numbers.map((entry) => entry.number),
    adminUrl,
  );
}
